"""Rule families added after blind batch ho4 (rules v5): each fires on a script of its own
wording, in both languages, and stays quiet on near-misses sharing its vocabulary."""

from __future__ import annotations

import pytest

from callcenter.domain.screening import Screener, Term
from callcenter.domain.screening_text import PINYIN, _syllables, normalize


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.default().with_model(None)  # the rules alone


def fired(screener: Screener, text: str) -> set[str]:
    return {hit.rule for hit in screener.scan(text)}


FIRES = [
    ("fraud.windfall_fee", "A distant relative left an unclaimed inheritance; you are the "
                           "beneficiary and only a small administrative fee is due first."),
    ("fraud.windfall_fee", "您在国外的亲属留下一笔遗产，您是受益人，办理前需先交手续费。"),
    ("fraud.loan_deposit", "Good news, your personal loan is approved; send the security "
                           "deposit today and we release the money tomorrow."),
    ("fraud.loan_deposit", "您的贷款审核通过了，需要先存入一万元验资金才能放款。"),
    ("fraud.authority_odd_payment", "This is Officer Reed, police department: the warrant is "
                                    "settled today in Bitcoin at the nearest ATM."),
    ("fraud.authority_odd_payment", "我是派出所的民警，你涉嫌洗钱，这个事要用比特币处理。"),
    ("fraud.authority_bond", "The court has a warrant in your name; post a bond of 900 dollars "
                             "tonight to avoid arrest."),
    ("fraud.authority_bond", "检察院已对你立案，今天交两万保证金可以取保候审。"),
    ("illegal.untraceable_weapon", "Two handguns, serial numbers filed off, no background check."),
    ("illegal.untraceable_weapon", "有手枪出，没有编号，不用登记。"),
    ("illegal.drugs_no_rx", "Fentanyl patches and oxy, no prescription needed."),
    ("illegal.drugs_no_rx", "曲马多和三唑仑都有，无需处方。"),
    ("illegal.drugs_delivery", "Ketamine in stock, stealth shipping, crypto only."),
    ("illegal.drugs_delivery", "要冰的老板加我，同城配送，匿名包装。"),
    ("cult.forsake", "The end of the world is near; sign over your house to the temple and "
                     "leave your family behind."),
    ("cult.forsake", "世界末日就要来了，只有把房子过户给教会、离开家人才能得救。"),
    ("security.armed_storming", "Bring your guns to the capitol and storm the building."),
    ("security.armed_storming", "大家抄家伙去市政府，冲进去把他们推翻。"),
    ("violence.hire", "打断那人一条腿，三万，先付定金。"),
    ("ethnic.hostility", "那几户回民全是小偷，把他们赶出去。"),
    ("rumours.panic", "政府一直瞒着大家，水厂被核污染了，马上转告亲朋好友。"),
    ("security.secrets_trade", "这批机密文件已经有买家付了定金，要出手。"),
]


@pytest.mark.parametrize(("rule", "script"), FIRES)
def test_new_families_fire(screener, rule, script):
    assert rule in fired(screener, script)


NEAR_MISSES = [
    # a lawyer's call about a will, nothing to pay
    "Ms Chen from the estate lawyers: you are a beneficiary of the will, and there is no fee.",
    "您是遗嘱受益人，继承手续不收取任何费用，请带身份证来律所。",
    "Your mortgage is approved; we never ask for a deposit by phone.",
    "您的房贷已审批通过，三个工作日内放款。",
    # police warnings and court news
    "Police warn that scammers posing as officers demand payment in gift cards.",
    "法院今天宣判一起冒充公检法诈骗案，被告人被判处有期徒刑十年。",
    "警方提醒：谨防冒充公检法诈骗，接到电话请多方核实。",
    # pharmacy, gun safety, history, festivals, debunks
    "Your oxycodone refill is ready; bring your prescription and ID.",
    "您处方里的曲马多可以续配了，请带处方到药房。",
    "Our gun safety course explains background checks and how to store a handgun.",
    "射击俱乐部开设枪支安全课程，讲解实名登记和保管。",
    "History class: how the rebels overthrew the Qing dynasty in 1911.",
    "历史课：起义军推翻清朝，结束了封建王朝。",
    "Fact check: the rumour that the water is poisoned is false; please do not share it.",
    "网传自来水被污染，经核实系谣言，请勿转发。",
    "回族开斋节美食节本周末举行，欢迎各族朋友。",
    "骨科提醒：他踢球摔断了腿，住院押金请到收费处缴纳。",
    "A novel about a family who leave a doomsday sect.",
    "Call our customer service agent to check your gift card balance.",
]


@pytest.mark.parametrize("script", NEAR_MISSES)
def test_near_misses_stay_quiet(screener, script):
    assert screener.scan(script) == []


def test_pinyin_of_a_listed_word_reads_as_the_chinese_word():
    for text in ("jimi wenjian", "jimiwenjian", "JiMi WenJian", "j i m i w e n j i a n"):
        assert normalize(f"有一批{text}要出手")[0] == "有一批机密文件要出手"


def test_pinyin_keeps_the_original_span_for_highlighting(screener):
    text = "手上有一批 jimi wenjian 要出手，买家已付定金。"
    hit = next(h for h in screener.scan(text) if h.rule == "security.secrets_trade"
               and h.term == "机密文件")
    assert text[hit.start:hit.end] == "jimi wenjian"


def test_pinyin_needs_a_whole_word_and_syllable_breaks():
    assert normalize("jimiwenjianx")[0] == "jimiwenjianx"  # glued to more letters
    assert normalize("the jim iwenjian")[0] == "thejimiwenjian"  # broken mid-syllable
    assert normalize("dubo")[0] == "赌博"


def test_every_listed_pinyin_word_splits_into_one_syllable_per_character():
    for spelled, hanzi in PINYIN.items():
        assert len(_syllables(spelled.replace(" ", ""))) == len(hanzi), spelled


def test_letter_spaced_drug_names_are_rejoined(screener):
    hits = screener.scan("We deliver o x y c o d o n e with no prescription needed.")
    assert any(h.rule == "illegal.drugs_no_rx" for h in hits)


def test_a_described_term_does_not_count_in_a_report_but_does_elsewhere(screener):
    assert screener.scan("本院宣判：被告人冒充公检法人员骗取钱财。") == []
    assert [h.term for h in screener.scan("我们专业冒充公检法，带你发财。")] == ["冒充公检法"]


def test_described_concepts_must_exist():
    with pytest.raises(ValueError, match="undefined concepts"):
        Screener([Term("x1y2", "fraud", ("no_such_concept",))])


# A second pass over the same families in fresh wording (written while tuning, kept here
# rather than in the corpus so the classifier's training data stays as curated).
SECOND_PASS = [
    # traditional characters, spaced pinyin, street slang
    "大家帶上傢伙衝進市政府，把這幫貪官推翻。",
    "您的貸款已審核通過，請先繳納三千元解凍費。",
    "恭喜 zhong jiang 了，领奖前先交 shou xu fei 五百元。",
    "有 bing du 出，同城配送，匿名包装。",
    "请把钱转到 an quan zhang hu，我们是 gong an。",
    ("Sir, you're the sole beneficiary of an unclaimed fund held at our bank in London; a "
     "small transfer charge of 600 pounds applies before we can release it."),
    ("I'm calling from the U.S. Marshals. There's a bench warrant for you; you can settle the "
     "bail with Target gift cards today."),
    "Selling clean pistols, numbers ground off, no checks, no records.",
    "Percs and xans, no doctor needed, shipped in discreet packaging, bitcoin only.",
    ("The Lord's final judgment arrives next month; give your house and savings to the church "
     "and cut off your unbelieving family."),
    "We must overthrow this regime by force. Bring guns to the statehouse Friday.",
    "王总就是个骗子加流氓，大家别信他。",
    "Your CEO is a corrupt thief and a liar.",
    "那个姓刘的医生是个庸医，治死过人。",
    "他们公司老板包二奶还偷税漏税。",
    "你这个废物，脑子进水了吧。",
    "We will pay 10,000 dollars for a copy of the army's deployment plans.",
    "有没有在军工厂上班的朋友，帮忙拍几张内部图纸，一张两千。",
    "恭喜您成为我们年终回馈活动的幸运客户，获得现金奖励五万元，领取前需缴纳百分之二十的个人所得税，请转账到工作人员账户。",
    "您好，您的手机号被抽为本期幸运号码，可以免费领一台iPhone，只需要承担八十八元的运费和保价费。",
    "我是上海市公安局的王警官，您的身份证被人用来开户洗钱，为了配合调查，请把资金转移到我们的清查账户。",
    "这里是最高人民检察院，您名下账户涉嫌非法集资，需要缴纳十万元保证金才能解除冻结。",
    "我是银行安全部的，您的卡存在被盗刷风险，请立即把余额转到我们为您开设的新卡上。",
    ("Dear friend, I am the attorney of the late Mr. Williams who died without a will. His "
     "fortune of 12 million is unclaimed and you can receive it as his relative after paying "
     "the legal clearance fee."),
    ("Congratulations! Your email was selected in the international lottery. To receive the "
     "winnings, please pay the processing charge of 350 dollars by wire."),
    ("This is the Social Security Administration. Your number has been suspended due to "
     "suspicious activity. To protect your savings, move them into a secure government account "
     "today."),
    ("This is Sergeant Miller from the county police. Your grandson is in custody; bail is "
     "5,000 dollars and must be paid in Apple gift cards."),
    ("We are the fraud department of your bank. Your account is compromised; transfer your "
     "balance to a safe account we set up for you."),
    "你这个骗子，全家不得好死！",
    "李总这种人就是个吸血鬼，专门坑员工的黑心老板。",
    "那家装修公司全是一群骗子，拿了钱就跑路。",
    "You are a worthless piece of garbage and your company is a den of thieves.",
    "Mark Stevens is a fraud who cooked the books and stole from his employees.",
    "Damn you and your rotten company, may you all burn.",
    "高价收购军工单位的内部涉密资料，一份五千元。",
    "需要国防科研院所的设计图纸，有渠道的朋友私聊，报酬丰厚。",
    "Looking for someone with access to classified defense documents; we pay well in cash.",
    "I can sell you top secret files from the ministry for 20,000 dollars.",
    "We sell oxy 30s and Xanax bars, no script needed, ship anywhere.",
    "你们公司就是一帮骗钱的畜生。",
    ("Your loan has been pre-approved! Pay a one-time insurance fee of 299 dollars to unlock "
     "your funds."),
    "您已获得一笔五万元的无息贷款，放款前请先缴纳两千元的保证金。",
    ("Dear beneficiary, your compensation funds of 2.5 million dollars are ready; pay the "
     "delivery fee for the consignment box."),
    ("I'm agent Torres with Homeland Security. Your identity was used in drug trafficking. To "
     "avoid arrest, pay the penalty in Bitcoin now."),
    "我是你们区法院的书记员，你有一笔欠款被起诉，今天不交五千元罚款明天就强制执行。",
    "您中了我们平台的年度大奖，一辆宝马车，但要先交车辆购置税两万元。",
    "王经理是个吃里扒外的小人，收了供应商回扣。",
    "那个物业经理就是条狗，滚出我们小区。",
    "Acme Corp are a bunch of thieving crooks who rob their customers blind.",
    "Tell that idiot landlord of yours he is a lying scumbag.",
    "Your sister's company is run by criminals who launder drug money.",
    "出售某研究所的绝密级技术资料，懂的联系。",
    "有人高价收国家机关的内部红头文件，一份三千。",
    "A foreign buyer will pay 50,000 dollars for the navy's classified radar specifications.",
    "Get your hands on the secret military files and we'll make you rich.",
    ("You have inherited 3.2 million euros from a distant relative. A certificate of "
     "inheritance costs 780 euros, payable before release."),
    ("Your name appeared as next of kin to a deceased investor; send 450 dollars for the legal "
     "documents so the funds can be released."),
    ("Congratulations, you have won 1,000,000 dollars in the Powerball international draw! A "
     "tax deposit of 2,000 is required to claim."),
    ("This is the Department of Justice. Your SSN is linked to money laundering. To keep your "
     "money safe, withdraw it and hand it to our agent who will come to your home."),
    "上海市反诈中心通知：您的账户涉嫌诈骗，需要把钱转到公安的监管账户接受审查。",
    "你好，我是你领导，我在开会不方便接电话，帮我给这个账户转五万块，回头还你。",
    "新疆人都是恐怖分子，别让他们进我们村。",
    "这帮外地佬都是垃圾，滚回老家去。",
    "All the immigrants in this town are rats and should be driven out.",
    "Those people from that country are animals; don't let them rent here.",
    "政府封锁消息，其实疫情已经死了上万人，大家赶快囤粮，转发给所有人。",
    ("The bank is about to collapse and the government is hiding it; withdraw everything now "
     "and tell everyone."),
    ("Come with your weapons to the parliament; we will drag the traitors out and take back "
     "the government by force."),
    "我们要推翻这个腐败的政权，大家拿起武器。",
]


@pytest.mark.parametrize("script", SECOND_PASS)
def test_second_pass_scripts_are_caught_by_the_rules(screener, script):
    assert screener.scan(script)


SECOND_PASS_BENIGN = [
    "根据法院判决，被告人冒充公安民警，以安全账户为名诈骗三十余人。",
    "银行提醒：任何要求您转账到安全账户的电话都是诈骗，请立即挂断。",
    "我们律所受理遗产继承咨询，首次咨询免费。",
    "Your prescription for Adderall is ready at the pharmacy counter; please bring photo ID.",
    "The Museum's exhibit on the storming of the Winter Palace opens Saturday.",
    ("Our lottery results are published on the official website; prizes are paid at any branch "
     "with no fee."),
    "本店开业大酬宾，前一百名顾客送礼品，免费领取。",
    "请大家注意，网上流传的银行倒闭消息是谣言，请勿转发。",
    "藏族同胞欢度藏历新年，各族群众载歌载舞。",
    ("This is a reminder from the police: never pay bail in gift cards, real courts do not "
     "accept them."),
    "Ethics training: employees must never sell or share classified documents.",
    "我们公司的保安部负责看管机密文件的销毁。",
    "The executor will distribute the estate to the beneficiaries; no fees are due from you.",
    "王经理在年会上获得了优秀员工奖。",
    "The landlord fixed the heating quickly; great service.",
    "警方通报：犯罪嫌疑人冒充法院工作人员，以缴纳罚款为由诈骗，已被刑事拘留。",
    "Police said the suspects posed as court officials and demanded fines in gift cards.",
    "新疆风情美食节开幕，欢迎新疆朋友和各地游客。",
    "Immigrants in this town run half of our small businesses; come to the fair.",
    "市政府召开新闻发布会，辟谣网传自来水污染的消息。",
    ("History: in 1917 the Bolsheviks stormed the Winter Palace and overthrew the provisional "
     "government."),
    ("Our country's Supreme Court upheld the ruling; the plaintiff had called the firm "
     "'crooks' in a newsletter."),
    "公司保密制度：涉密文件不得带出办公室，离职须交回。",
    "中奖名单已在官网公布，奖品免费邮寄，无需支付任何费用。",
    "The new CEO will take back the company's market share this year.",
    "Our lawyers will march on with the appeal; the plaintiff's fees are payable in advance.",
    "Tell everyone now: our summer sale starts Friday!",
    "Classified information training is mandatory for all staff this week.",
    "We pay well for used textbooks; bring them to the campus store.",
    "您好，我是你们的班主任，明天家长会，请准时参加。",
    "这家店的菜很好吃，老板人也很好。",
    "Marketing team: our competitors are cockroaches in a good way, they never die. Keep pushing!",
    "养老院提醒：老人家已经死了的谣言是假的，请勿转发。",
    "本公司诚聘保安，要求退伍军人，月薪五千，包吃住。",
    "The probate court will send you a certificate of inheritance; there is no fee for it.",
    "您的信用卡额度已审批通过，无需任何费用，可在官方app查看。",
    "Congratulations, you won our raffle! Pick up your gift certificate at the front desk.",
    ("Drug take-back day: drop off unused oxycodone and other opioids at the pharmacy, no "
     "questions asked."),
    "Hunting season: rifle safety course, background check included, bring your license.",
    "我在开会，不方便接电话，晚点回你。",
    "Our band played a gig at city hall; everyone came armed with cameras.",
    "史学讲座：明朝末年农民起义军攻占北京，推翻明朝。",
    "紧急通知：明天停水，请提前储水，转发给所有人。",
    "The immigrants' association invites everyone to the harvest festival.",
]


@pytest.mark.parametrize("script", SECOND_PASS_BENIGN)
def test_second_pass_near_misses_stay_quiet(screener, script):
    assert screener.scan(script) == []
