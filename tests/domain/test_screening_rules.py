"""Concept rules, one family at a time: what fires, and the near-misses that must not."""

from __future__ import annotations

import pytest

from callcenter.domain.screening import Screener
from callcenter.domain.screening_rules import Concept, parse_concept, parse_rule, rule_to_json
from callcenter.domain.screening_text import normalize


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.default()


def fired(screener: Screener, text: str) -> set[str]:
    return {hit.rule for hit in screener.scan(text) if hit.rule not in ("lexicon", "classifier")}


FIRES = [
    # advance-fee prize
    ("fraud.prize_fee", "您的号码在周年庆活动里抽中了二等奖，奖品寄出前请先付两百元邮费。"),
    ("fraud.prize_fee", "You won our $5,000 cash prize; a release fee is due first."),
    # moving money to a 'safe' account, the police story
    ("fraud.safe_account", "请马上把银行卡里的钱全部转入我们的安全账户，等调查结束再退回。"),
    ("fraud.safe_account", "Please transfer your savings into the secure account we opened."),
    ("fraud.authority_payment", "我是检察院的，你的身份证涉嫌一起案件，马上缴纳保证金。"),
    ("fraud.authority_payment", "This is the police: a warrant is out for you, pay the fine now."),
    ("fraud.pretext_move", "为了保障您的资金安全，请把钱转到我们给你的新账户。"),
    ("fraud.code_request", "我们给您发了一个验证码，麻烦读给我听一下。"),
    ("fraud.loan_fee", "Your loan is approved; pay the processing fee upfront to release it."),
    ("fraud.emergency_money", "阿姨，我是你侄子，我出车祸了急需医药费，快转钱给我。"),
    # gambling, porn, violence
    ("gambling.promotion", "最新博彩平台上线，首充送彩金。"),
    ("gambling.promotion", "Bet on every match at our sportsbook, sign up for a bonus."),
    ("porn.escort", "同城美女提供上门特殊服务。"),
    ("violence.ultimatum", "再不还钱，就去你单位找你领导。"),
    ("violence.ultimatum", "Pay up by Friday or we'll visit your home."),
    ("violence.hire", "帮我教训一下他，事成给你两万。"),
    # insults and accusations aimed at someone
    ("defamation.insult", "你们公司的人都是一群骗子。"),
    ("defamation.insult", "You are a pathetic liar."),
    ("defamation.accusation", "那家店的老板卖假货，还偷税漏税。"),
    ("defamation.accusation", "Their CEO cooked the books last year."),
    # the state
    ("security.secrets_trade", "有人高价收购涉密文件，有货请联系。"),
    ("security.secrets_trade", "We will buy classified files, cash paid."),
    ("security.military_photos", "帮忙拍几张军用机场的照片，每张给你三百元。"),
    ("security.overthrow_state", "我们要推翻政府。"),
    ("security.overthrow_state_after", "这个政权必须推翻。"),
    ("constitution.abolish", "Let us abolish the constitution."),
    ("honour.desecrate", "明天去焚烧国旗。"),
    ("ethnic.hostility", "外地人滚出去。"),
    ("ethnic.hostility", "Refugees are vermin."),
    # religion, rumours, other illegal
    ("superstition.paid", "改运符一张八百八十八元。"),
    ("superstition.remedy", "你家有血光之灾，要做法事才能化解。"),
    ("cult.recruit", "世界末日要来了，加入我们才能得救。"),
    ("rumours.panic", "银行要倒闭了，赶紧取钱，转发给家人！"),
    ("illegal.contraband_trade", "大量出售银行卡，一手货源。"),
    ("illegal.contraband_trade", "Fake passports for sale."),
    # families widened after the first held-out batch
    ("fraud.gift_card", "Your PC is infected. Buy two Google Play cards, read us the numbers."),
    ("fraud.gift_card", "Your nephew is in jail; bail can be paid with Steam cards tonight."),
    ("fraud.phishing_link", "您的账户异常，请点击链接填写银行卡号和密码完成验证。"),
    ("fraud.phishing_link", "Parcel on hold: click the link and enter your card number and CVV."),
    ("fraud.pretext_move", "为了给您办理退款，请先把钱转到我们的专用账户。"),
    ("violence.ultimatum", "再不还钱，我们就去学校门口等你家孩子。"),
    ("honour.desecrate", "那面国旗就是块破布。"),
    ("honour.desecrate", "The national anthem is a joke and so is the flag."),
    ("ethnic.hostility", "No Mexicans allowed in this bar."),
    ("ethnic.hostility", "Uyghurs are all thieves, drive them out."),
    ("rumours.panic", "Banks will freeze withdrawals tomorrow, take your cash out now."),
    ("gambling.promotion", "bai jia le xin kai, shou chong song 50"),
    ("superstition.remedy", "This blessed amulet removes curses from your home."),
    ("defamation.accusation", "那家乳业公司的奶粉吃死过人，老板把事情压下去了。"),
    ("security.secrets_trade", "Selling confidential military maps, cash only."),
    ("security.military_photos", "Photograph navy ships at the port, we pay $100 per photo."),
    # families widened after the second held-out batch
    ("security.insider_leak", "诚聘在职人员，提供单位内部资料，按份给报酬。"),
    ("security.insider_leak", "Someone on the inside: bring out the project files, $500."),
    ("violence.ultimatum", "你要是还敢报警，你女儿几点放学我们都知道。"),
    ("defamation.accusation", "那个王医生根本没有执照，就是无证行医。"),
    ("defamation.insult", "Their coach is a predator."),
    ("rumours.panic", "群里都在传下周大米要限购，赶紧去囤。"),
    ("ethnic.hostility", "河南银都是骗纸。"),
    ("ethnic.hostility", "Get those Afghans out of our neighbourhood."),
    ("illegal.contraband_trade", "出售钢珠枪和铅弹，全国发货。"),
    ("illegal.contraband_trade", "Selling stolen laptops, half price."),
    ("honour.desecrate", "那些志愿军不过是炮灰。"),
    ("constitution.abolish_after", "Their constitution is illegitimate."),
    ("cult.recruit", "Our prophet has the final revelation: give all your savings to the temple."),
    ("fraud.gift_card", "Your power will be shut off today unless you pay with a Green Dot card."),
    # families widened after the third held-out batch (its first pass recorded before)
    ("violence.ultimatum", "今天再不还，我们的人就上你家门口堵你。"),
    ("violence.ultimatum", "Pay what you owe by Friday or somebody is going to get hurt."),
    ("porn.offer", "Private nude video packages, delivered discreetly."),
    ("security.secrets_trade", "Copy the classified folder onto a USB stick, we pay well."),
    ("constitution.reject", "宪法规定的基本原则早就该作废了，我们号召大家不再承认它。"),
    ("constitution.reject", "The Constitution is a fraud, so refuse to recognize it."),
    ("fraud.prize_fee", "恭喜您中奖了，请先把三百元物流保价金打到我们对公账户。"),
]


@pytest.mark.parametrize(("rule", "text"), FIRES)
def test_each_rule_family_fires_on_its_combination(screener, rule, text):
    assert rule in fired(screener, text)


NEAR_MISSES = [
    # the third held-out batch's near-misses of the families above
    "同学们好，十二月四日是国家宪法日，欢迎参加宪法知识竞赛。",
    "Our evening course on constitutional law covers the separation of powers.",
    "会上会讲解“中奖要先交手续费”“冒充公检法要求转账”这些常见骗局的识别方法。",
    "原告起诉某网络博主在视频中称其为“骗子”“黑心商家”。",
    "We provide certified destruction of confidential and classified records.",
    "We take a refundable $50 security deposit on pickup, returned when the bikes come back.",
    # one concept alone is not the combination
    "恭喜您在抽奖中获得二等奖，奖品由快递免费送达，无需支付任何费用。",
    "You won our raffle! Collect the prize at the front desk, no fee at all.",
    "中奖奖金的个人所得税由主办方代扣代缴。",
    "我行提醒：切勿把资金转入任何所谓的安全账户。",
    "We will never ask you to move money to a safe account.",
    "Our bank will never, under any circumstances, ask you to transfer money to a safe account.",
    "冒充公安要求转账到安全账户的，都是诈骗。",
    "派出所提醒您：公安机关不会要求缴纳保证金。",
    "请勿将验证码告诉任何人。",
    "Never read out your one-time passcode to anyone who calls.",
    "本行贷款不收取任何前期费用。",
    "远离赌博，珍爱家庭。",
    "本市法院审结一起开设赌场案。",
    "按时还款可以避免逾期记录，如有困难请联系我们办理分期。",
    "If you do not pay by the due date, a late fee of $25 applies.",
    "请把垃圾分类放到门口。",
    "您是我们尊贵的客户。",
    "We represent clients in defamation cases.",
    "法院以贪污罪判处被告人有期徒刑五年。",
    "保密教育：严禁出售、复印涉密文件。",
    "军港夜景游船票价八十元。",
    "辛亥革命推翻了清政府。",
    "The city government abolished the parking fee.",
    "学校周一举行升国旗仪式。",
    "我们为少数民族学生提供助学金。",
    "We never discriminate against immigrants or refugees.",
    "楼盘采光好、风水好，欢迎看房。",
    "辟谣：网传银行要倒闭系谣言，请勿转发。",
    "办理银行卡请携带本人身份证。",
    "We never sell your personal data.",
    "美容院去死皮护理八折。",
    "Don't miss our spring sale: 20% off everything.",
    # near-misses of the families widened after the first held-out batch
    "您的贷款已审批通过，放款前我行不会收取任何费用。",
    "婚恋交友提示：网友让你投资理财的，多半是杀猪盘，请提高警惕。",
    "社区反邪教宣传：全能神等邪教组织骗取钱财，发现线索请举报。",
    "寺内不收取任何开光、做法事费用。",
    "Campus security offers a safety escort to your car; call the desk.",
    "Safety escort service available after dark: call campus police.",
    "If you don't have life insurance, your family could be left with debts.",
    "国旗不只是一块布，它代表着国家的尊严。",
    "发生地震时，赶紧躲到坚固的桌子下面，震后有序撤离。",
    "Boil water advisory: water may be contaminated, do not drink tap water without boiling it.",
    "理赔款将在3个工作日内转入您提供的银行账户。",
    "医院提醒：野生蘑菇有毒，切勿采食。",
    "Visit the shop: our butchers cut every steak to order.",
    "Enter our sweepstakes for a chance to win a $100 Amazon gift card!",
    "Call our customer service agent to check your gift card balance.",
    "Get 10% off Google Play cards this weekend at all our stores.",
    "Your loan is approved; we can release the funds after you sign the agreement.",
    "Lower blood pressure without medicine: join our free walking club.",
    "Link your bank account to buy stocks in our app.",
    "Buy our CRM to organize your customer database.",
    "Click the link to reset your password.",
    "Do not click links, share your verification code or transfer money to a safe account.",
    "Take 500mg at 4pm on the 3rd floor.",
    # near-misses of the families widened after the second held-out batch
    "兼职秘书负责整理会议纪要，月薪三千。",
    "Ask someone inside the office to copy the agenda for tomorrow.",
    "本店特价鸡蛋每人限购两盒，先到先得，赶紧来。",
    "If you don't clean your dryer vent, fires start easily.",
    "Think twice before leaving your kids in a hot car.",
    "You have until March 1 to renew your house insurance.",
    "老板推荐变态辣鸡翅，欢迎品尝。",
    "Our dog groomer is available Saturday, call her to book.",
    "Keep those Korean BBQ coupons handy!",
    "Last days of our sale! Join now and save 20%.",
    "No expense will be spared: join us for the charity gala.",
    "Was your phone stolen? Buy phone insurance today.",
    "Cheap passport photos at our studio, cash only.",
    "为避免停机，请尽快通过营业厅或官方APP充值。",
    "学校国防教育周：邀请退役军人讲述抗美援朝英雄事迹。",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_benign_near_misses_have_no_hits(screener, text):
    assert screener.scan(text) == []


# --- negation, reports, evasions -----------------------------------------------------------


def test_negation_governs_only_its_clause_in_chinese(screener):
    assert fired(screener, "千万不要挂断电话，马上把钱转到安全账户。") == {"fraud.safe_account"}
    assert fired(screener, "我们不会要求您把钱转到安全账户。") == set()


def test_but_ends_a_negation(screener):
    text = "领奖无需排队，只需先交两百元手续费。恭喜中奖！"
    assert "fraud.prize_fee" in fired(screener, text)


def test_idioms_with_a_negation_word_do_not_negate(screener):
    assert "fraud.prize_fee" in fired(
        screener, "Congratulations, you won the jackpot! Don't forget to pay the release fee.")
    assert "ethnic.hostility" in fired(screener, "We don't rent to immigrants.")


@pytest.mark.parametrize("text", [
    "Please move your money to a sаfе ассоunt now.",  # Cyrillic а, е, о, с
    "Please move your m0ney to a s4fe acc0unt now.",
    "Please m o v e your money to a s a f e account now.",
    "Ｐｌｅａｓｅ ｍｏｖｅ ｙｏｕｒ ｍｏｎｅｙ ｔｏ ａ ｓａｆｅ ａｃｃｏｕｎｔ.",
    "請把錢轉到安全帳戶。",
    "请把钱转到安\u200b全\u200b账\u200b户。",
    "请把钱转到anquanzhanghu。",
])
def test_rules_see_through_evasions(screener, text):
    assert "fraud.safe_account" in fired(screener, text)


def test_symbols_inside_words_read_as_letters_but_prices_stay_prices():
    assert normalize("ca$ino c@sino")[0] == "casinocasino"
    assert normalize("pay $50")[0] == "pay$50"


def test_digits_inside_words_read_as_letters_but_numbers_with_units_stay():
    assert normalize("Fr33 c4sin0 1d10t l1ar")[0] == "freecasinoidiotliar"
    assert normalize("500mg 4pm 3rd covid19 100k")[0] == "500mg4pm3rdcovid19100k"


def test_an_english_negation_stops_at_the_next_order_but_not_along_a_list(screener):
    assert fired(screener, "Do not drink the tap water, forward this to everyone you know! "
                           "The water supply is poisoned.") == {"rumours.panic"}
    assert fired(screener, "Never click links, share codes or move money to a safe account.") == \
        set()


def test_rule_hits_point_at_the_words_that_fired(screener):
    text = "这里是公安局。您涉嫌洗钱，请立即把钱转到安全账户。"
    hits = [h for h in screener.scan(text) if h.rule == "fraud.safe_account"]
    assert [text[h.start:h.end] for h in hits] == ["转到", "安全账户"]
    assert {(h.category, h.severity) for h in hits} == {("obscene_violent_fraud", "block")}
    assert all("safe" in h.explanation for h in hits)


# --- data and definitions ------------------------------------------------------------------


def test_every_shipped_rule_has_a_category_severity_and_explanation(screener):
    keys = {c.key for c in screener.categories()}
    assert len(screener.rules()) >= 20
    for rule in screener.rules():
        assert rule.category in keys and rule.severity in ("block", "review")
        assert rule.explanation and rule.explanation_zh


def test_admin_concepts_and_rules_extend_a_screener(screener):
    extended = screener.with_extra(
        concepts=[Concept("miracle_water", ("神奇药水", "miracle water")),
                  Concept("prize", ("天降横财",))],
        rules=[parse_rule({"id": "admin.miracle", "category": "other_illegal",
                           "severity": "review", "all": ["miracle_water", "payment"],
                           "window": 20, "explanation": "Miracle water sold."},
                          [*screener.concepts(), "miracle_water"],
                          [c.key for c in screener.categories()])])
    assert fired(extended, "神奇药水一瓶九十九元") == {"admin.miracle"}
    assert "fraud.prize_fee" in fired(extended, "天降横财！先交手续费。")
    assert fired(screener, "神奇药水一瓶九十九元") == set()


@pytest.mark.parametrize(("data", "message"), [
    ({"id": "Bad Id"}, "rule id"),
    ({"id": "x", "category": "nope"}, "category"),
    ({"id": "x", "category": "rumours", "severity": "maybe"}, "severity"),
    ({"id": "x", "category": "rumours", "severity": "block", "all": ["prize"]}, "2 to 5"),
    ({"id": "x", "category": "rumours", "severity": "block", "all": ["prize", "nope"]},
     "unknown concept"),
    ({"id": "x", "category": "rumours", "severity": "block", "all": ["prize", "fee"],
      "window": 1000}, "window"),
    ({"id": "x", "category": "rumours", "severity": "block", "all": ["prize", "fee"]},
     "explanation"),
])
def test_bad_rule_definitions_are_refused_with_a_reason(screener, data, message):
    with pytest.raises(ValueError, match=message):
        parse_rule(data, screener.concepts(), [c.key for c in screener.categories()])


def test_rule_json_round_trips(screener):
    for rule in screener.rules():
        again = parse_rule(rule_to_json(rule), screener.concepts(),
                           [c.key for c in screener.categories()])
        assert again == rule


def test_a_concept_phrase_must_have_something_to_match():
    with pytest.raises(ValueError):
        parse_concept("empty", {"phrases": [" ？！ "]})
    with pytest.raises(ValueError):
        parse_concept("Bad Name", {"phrases": ["x"]})
