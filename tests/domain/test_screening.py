"""Call-script screening: what the lexicon catches, how evasions are undone, what stays clean."""

import json
from importlib import resources

import pytest

from callcenter.domain.screening import Category, Hit, Screener, Term, load_lexicon, normalize

CATEGORY_KEYS = [
    "constitution",
    "national_security",
    "national_honour",
    "ethnic_hatred",
    "religion_cult",
    "rumours",
    "obscene_violent_fraud",
    "defamation",
    "other_illegal",
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.default()


def categories_of(hits: list[Hit]) -> set[str]:
    return {hit.category for hit in hits}


# --- every category, in both languages ---------------------------------------------------

CATEGORY_EXAMPLES = [
    ("constitution", "我们的目标就是推翻宪法，建立新秩序。"),
    ("constitution", "Join us: we will abolish the constitution by any means."),
    ("national_security", "加入我们的组织，一起颠覆国家政权。"),
    ("national_security", "We pay cash to anyone who can sell state secrets to us."),
    ("national_honour", "周末集会上我们将焚烧国旗以示抗议。"),
    ("national_honour", "Come to the rally where we will burn the national flag."),
    ("ethnic_hatred", "那些人是劣等民族，不配和我们住在一起。"),
    ("ethnic_hatred", "Our movement stands for racial purity and nothing else."),
    ("religion_cult", "加入法轮功，修炼可以治百病。"),
    ("religion_cult", "Book our exorcism service today, first session half price."),
    ("rumours", "内部消息：银行即将倒闭，赶紧把钱取出来！"),
    ("rumours", "Banks are collapsing, withdraw everything before Friday."),
    ("obscene_violent_fraud", "新用户注册网络赌场即送888元彩金。"),
    ("obscene_violent_fraud", "Our fund offers guaranteed returns of 30% a month."),
    ("defamation", "你就是个人渣，你们全家都是骗子。"),
    ("defamation", "Pay us or we start doxxing you and your family."),
    ("other_illegal", "低价出售枪支弹药，货到付款。"),
    ("other_illegal", "We sell a fake passport for any country, delivered in a week."),
]


@pytest.mark.parametrize(("category", "script"), CATEGORY_EXAMPLES)
def test_each_category_is_caught_in_chinese_and_english(screener, category, script):
    assert category in categories_of(screener.scan(script))


def test_every_category_has_a_chinese_and_an_english_example():
    def is_chinese(text: str) -> bool:
        return any("\u4e00" <= char <= "\u9fff" for char in text)

    for key in CATEGORY_KEYS:
        scripts = [script for category, script in CATEGORY_EXAMPLES if category == key]
        assert any(is_chinese(s) for s in scripts) and any(not is_chinese(s) for s in scripts)


def test_fraud_impersonation_script_reports_the_term_and_the_rules(screener):
    script = "这里是市公安局，您的账户涉嫌洗钱，请立即把资金转入安全账户配合调查。"
    hits = screener.scan(script)
    assert "转入安全账户" in {hit.term for hit in hits if hit.rule == "lexicon"}
    assert {"fraud.safe_account", "fraud.authority_payment"} <= {hit.rule for hit in hits}
    assert {hit.severity for hit in hits if hit.rule != "lexicon"} == {"block"}


# --- evasions ---------------------------------------------------------------------------

EVASIONS = [
    ("来玩赌 博，稳赢", "赌博", "赌 博"),
    ("专业诈.骗团队", "诈骗", "诈.骗"),
    ("专业诈-骗团队", "诈骗", "诈-骗"),
    ("欢迎光临 ＯＮＬＩＮＥ ＣＡＳＩＮＯ 娱乐城", "online casino", "ＯＮＬＩＮＥ ＣＡＳＩＮＯ"),
    ("线上赌\u200b博平台", "赌博", "赌\u200b博"),
    ("赌\u200d博\ufeff网站", "赌博", "赌\u200d博"),
    ("專業詐騙團隊", "诈骗", "詐騙"),
    ("線上賭博平台", "赌博", "賭博"),
    ("Try our OnLine CaSiNo now", "online casino", "OnLine CaSiNo"),
    ("best o n l i n e c a s i n o in town", "online casino", "o n l i n e c a s i n o"),
    ("visit our online casinos tonight", "online casino", "online casino"),
    ("赌\n博和诈　骗", "赌博", "赌\n博"),
    ("色～情～直～播", "色情", "色～情"),
]


@pytest.mark.parametrize(("script", "term", "matched"), EVASIONS)
def test_evasions_are_caught_and_located_in_the_original(screener, script, term, matched):
    hits = [hit for hit in screener.scan(script) if hit.term == term and hit.rule == "lexicon"]
    assert [script[hit.start : hit.end] for hit in hits] == [matched]


def test_positions_map_back_to_the_original_text(screener):
    script = "您好！　本店推出 Ｏｎｌｉｎｅ ｃａｓｉｎｏ，另有賭\u200b博和詐 騙服務。"
    hits = [hit for hit in screener.scan(script) if hit.rule == "lexicon"]
    matched = [(hit.term, script[hit.start : hit.end]) for hit in hits]
    assert matched == [
        ("online casino", "Ｏｎｌｉｎｅ ｃａｓｉｎｏ"),
        ("赌博", "賭\u200b博"),
        ("诈骗", "詐 騙"),
    ]
    assert [hit.start for hit in hits] == sorted(hit.start for hit in hits)


def test_normalize_returns_an_index_for_every_normalized_character():
    text = "Ａ b\u200b詐騙，ﬁ!"
    normalized, index = normalize(text)
    assert normalized == "ab诈骗fi"
    assert index == [0, 2, 4, 5, 7, 7]  # the "fi" ligature expands to two characters


def test_normalize_drops_punctuation_symbols_and_format_characters():
    normalized, _ = normalize("《赌》—博\u200b\u00ad\u2060★ ｃ.ａ.ｓ\u0332")
    assert normalized == "赌博cas"


# --- ordinary business scripts stay clean -----------------------------------------------

ORDINARY_SCRIPTS = {
    "bank repayment reminder": (
        "您好，这里是招商银行信用卡中心。您尾号8826的信用卡本期账单金额为3,560.00元，"
        "最后还款日为6月25日，请您按时还款，以免产生逾期记录影响个人征信。"
        "温馨提示：我行工作人员不会要求您转账到任何账户，请谨防电信诈骗。"
    ),
    "parcel delivery notice": (
        "您好，我是顺丰快递的配送员，您有一个包裹今天下午送达。"
        "请问您两点到五点之间方便签收吗？如果家中无人，我们可以为您放到小区门口的快递柜，"
        "取件码会以短信形式发送到您的手机。"
    ),
    "restaurant offer": (
        "您好，这里是老街口炸鸡店。本周五至周日推出会员专享活动：香辣炸鸡买一送一，全场饮品八折。"
        "欢迎您和家人朋友到店品尝，外卖平台独家优惠券今晚十点前有效。"
    ),
    "museum opening": (
        "您好，市博物馆新馆将于十月一日正式对外开放，首展为“丝路遗珍”文物特展。"
        "开馆首月每周二至周日上午九点至下午五点免费参观，请提前通过官方公众号预约。"
    ),
    "antivirus software offer": (
        "您好，我是安盾科技的客服。您电脑上的杀毒软件授权将于本月底到期，"
        "现在续费一年仅需98元，续费后可继续享受病毒查杀和实时防护服务。"
        "如需续费请按1，我们会把付款链接发送到您的手机。"
    ),
    "insurance renewal": (
        "您好，这里是平安保险客服中心，您为车牌号粤B·12345的车辆投保的交强险和商业险将于下月10日到期。"
        "现在续保可享受保费九折优惠，还赠送一次免费洗车和道路救援服务。"
        "为保障您的资金安全，账户信息请仅通过官方渠道提交。请问需要为您办理续保吗？"
    ),
    "real-estate viewing invitation": (
        "您好，我是链家置业顾问小王。您之前关注的滨江花园小区本周六有三套南北通透的两居室开放看房，"
        "小区临近地铁站和重点小学，风水好、采光足。请问您周六上午方便过来看看吗？我们可以安排专车接送。"
    ),
    "school enrolment notice": (
        "家长您好，阳光实验小学秋季一年级新生报名将于7月1日开始。"
        "请适龄儿童家长携带户口本、出生证明和预防接种证到学校招生办现场登记。"
        "学校提供课后托管服务，详情请咨询招生办。"
    ),
    "dental appointment (en)": (
        "Hi, this is Maria from Brightside Dental. We're calling to remind you that your cleaning "
        "appointment is on Tuesday at 3 pm. If you need to reschedule, press 1 and we'll find a "
        "time that works for you."
    ),
    "broadband installation (en)": (
        "Hello from City Fibre! Our technician will hook up your new router on Thursday between "
        "9 and 12. Sam is the real hero in our install team, and he'll skill you up on the app. "
        "Your bill stays the same, with no hidden fees."
    ),
}


@pytest.mark.parametrize("name", ORDINARY_SCRIPTS)
def test_ordinary_business_scripts_have_no_hits(screener, name):
    assert screener.scan(ORDINARY_SCRIPTS[name]) == []


FALSE_POSITIVE_TRAPS = [
    "本平台独家优惠，新疆独特的风味，西藏独特风光，香港独家代理。",
    "这种做法属于违反宪法的行为。",
    "请输入购买码完成兑换。",
    "周末一起来玩杀人游戏，第二杯深水炸弹半价。",
    "根据反洗钱规定，请您携带身份证原件办理。",
    "道德绑架不可取，海洋馆里有杀人鲸表演。",
    "本店推出特色情侣套餐，彩色情人节当天入座即送玫瑰。",
    "传统的填鸭式教育正在扼杀了你孩子的天赋。",
    "柜台可教您辨别真假币，严禁代考替考，海关杜绝走私。",
    "We can help you go back to your country for Spring Festival.",
    "We split the country into four sales regions.",
    "Not happy? We'll double your money back.",
    "We'll skill your team up; casi no hay problema.",
    "A hero in our community, and she's our heroine.",
    "A skilled killer whale show at the aquarium? No: an orca show.",
    "Our anti-money laundering checks keep your account safe.",
]


@pytest.mark.parametrize("script", FALSE_POSITIVE_TRAPS)
def test_words_that_merely_contain_a_term_do_not_count(screener, script):
    assert screener.scan(script) == []


def test_a_warning_against_a_forbidden_act_is_not_a_hit(screener):
    # A negation governs the term after it in its sentence; the plain offer still hits.
    assert screener.scan("请不要参与买卖银行卡。") == []
    assert categories_of(screener.scan("低价出售银行卡，量大从优。")) == {"other_illegal"}


def test_latin_terms_need_word_boundaries(screener):
    assert screener.scan("I will kill you") != []
    assert screener.scan("they skill you well") == []
    assert screener.scan("heroin for sale") != []
    assert screener.scan("a hero in town") == []


# --- extra terms and construction -------------------------------------------------------


def test_admin_added_terms_are_caught(screener):
    extended = screener.with_extra(
        [Term("代办贷款", "other_illegal"), Term("Crypto Doubler", "obscene_violent_fraud")]
    )
    script = "无抵押代办贷款，另有crypto-doubler计划。"
    hits = extended.scan(script)
    assert [(hit.term, script[hit.start : hit.end]) for hit in hits] == [
        ("代办贷款", "代办贷款"),
        ("Crypto Doubler", "crypto-doubler"),
    ]
    assert screener.scan(script) == []  # the shared default screener is unchanged


def test_allow_list_only_suppresses_hits_inside_it():
    screener = Screener([Term("诈骗", "fraud")], allow=["防诈骗"])
    assert screener.scan("防诈骗讲座") == []
    assert [hit.term for hit in screener.scan("防诈骗讲座，诈骗团伙")] == ["诈骗"]


def test_a_term_in_two_categories_reports_both():
    screener = Screener([Term("赌博", "a"), Term("賭博", "b")])
    assert categories_of(screener.scan("赌博")) == {"a", "b"}


def test_term_that_is_empty_after_normalization_is_rejected():
    with pytest.raises(ValueError):
        Screener([Term(" ？！ ", "other_illegal")])


def test_default_screener_is_built_once():
    assert Screener.default() is Screener.default()


def test_categories_are_the_nine_agreement_categories(screener):
    categories = screener.categories()
    assert [c.key for c in categories] == CATEGORY_KEYS
    assert all(isinstance(c, Category) and c.label_zh and c.label_en for c in categories)


# --- the lexicon file --------------------------------------------------------------------


def test_lexicon_file_is_valid():
    source = resources.files("callcenter.domain").joinpath("data", "lexicon.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    assert [c["key"] for c in data["categories"]] == CATEGORY_KEYS
    for category in data["categories"]:
        assert category["label_zh"] and category["label_en"]
        assert category["terms"], category["key"]
        for term in category["terms"]:
            assert normalize(term)[0], (category["key"], term)
    for phrase in data["allow"]:
        assert normalize(phrase)[0], phrase


def test_every_lexicon_term_is_caught_on_its_own(screener):
    _, terms, _ = load_lexicon()

    def caught(term: Term) -> bool:
        return term in {Term(hit.term, hit.category) for hit in screener.scan(term.text)}

    assert [term for term in terms if not caught(term)] == []
