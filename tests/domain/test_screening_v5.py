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
