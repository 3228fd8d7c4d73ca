"""The matching form of a text for screening, and where its words and sentences lie.

`normalize` undoes the usual evasions (full-width letters, case, spacing, punctuation,
zero-width characters, traditional characters, look-alike letters from other scripts,
`ca$ino`-style symbols) and keeps, per normalized character, its index in the original
text, so every hit can be reported as a slice of what the tenant actually wrote.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from itertools import compress

import ahocorasick
import opencc

# Dropped by normalize(): separators, punctuation, symbols, controls/format characters
# (zero-width space/joiner, BOM) and combining marks left over after NFKC (zalgo text).
_DROPPED_PREFIXES = ("Z", "P", "S", "C")
_DROPPED_CATEGORIES = frozenset({"Mn", "Me"})
# Dropped characters a reader does not see; they never separate words.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
# Cyrillic and Greek letters that read as Latin ones once lower-cased ("саsinо").
_HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ј": "j", "ӏ": "l", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "ԁ": "d", "с": "c", "ѕ": "s", "т": "t", "у": "y",
    "х": "x", "ү": "y", "ɡ": "g", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
})
# Symbols and digits written for letters inside a Latin word: "ca$ino", "c@sino", "fr33".
_LEET = {"$": "s", "@": "a", "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}
_FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in _LEET)
_LEET_RE = re.compile(f"[{re.escape(''.join(_LEET) + _FULL_WIDTH)}]")
# A Latin word with digits in it ("fr33", "1d10t", "c4sin0"): ASCII or full-width.
_DIGIT_WORD = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ0-9０-９]*[0-9０-９][A-Za-zＡ-Ｚａ-ｚ0-9０-９]*")
_LEET_DIGITS = frozenset(c for c in _LEET if c.isdigit())
# Digits read as letters: between letters ("l1ar", "1d10t"), or ending a word of letters
# ("fr33", "casin0"), never a number with its unit ("500mg", "4pm", "3rd", "5G").
_LEET_WORD = re.compile(r"[a-z][0-9]+[a-z]|^[a-z]{2,}[0-9]+$")
_SENTENCE_END = re.compile(r"[。！？!?；;\n…]|\.(?=\s|$)")
_CLAUSE_END = re.compile(r"[。！？!?；;\n…，,：:]|\.(?=\s|$)")
_LIST_WORD = re.compile(r"\b(?:or|nor)\b", re.IGNORECASE)
_ASIDE = re.compile(r"\s*[,，]")

# High-risk words written in toneless pinyin to slip past the Chinese ones ("jimi wenjian",
# "bing du"): each becomes its Chinese word in the normalized text, so every rule and term
# written in Chinese sees it. Only multi-syllable words unlikely to be English are listed.
PINYIN = {
    # secrets and the state
    "jimi wenjian": "机密文件", "juemi wenjian": "绝密文件", "mimi wenjian": "秘密文件",
    "sheshe wenjian": "涉密文件", "guojia jimi": "国家机密", "guojia mimi": "国家秘密",
    "junshi qingbao": "军事情报", "junshi jimi": "军事机密", "jimi ziliao": "机密资料",
    "neibu wenjian": "内部文件", "neibu ziliao": "内部资料", "tuifan zhengfu": "推翻政府",
    "dianfu zhengquan": "颠覆政权", "guojia zhengquan": "国家政权", "gongchandang": "共产党",
    # drugs and weapons
    "bingdu": "冰毒", "dupin": "毒品", "haluoyin": "海洛因", "kekayin": "可卡因",
    "yaotouwan": "摇头丸", "mayao": "麻药", "miyao": "迷药", "dama yan": "大麻烟",
    "qiangzhi": "枪支", "shouqiang": "手枪", "fangzhenqiang": "仿真枪", "qiqiang": "气枪",
    "zhayao": "炸药", "jiazheng": "假证", "jia shenfenzheng": "假身份证",
    "shenfenzheng": "身份证", "yinhangka": "银行卡", "fapiao": "发票",
    # gambling
    "dubo": "赌博", "duchang": "赌场", "wangdu": "网赌", "bocai": "博彩",
    "baijiale": "百家乐", "liuhecai": "六合彩", "duqiu": "赌球", "xiazhu": "下注",
    # fraud
    "zhongjiang": "中奖", "yidengjiang": "一等奖", "lingjiang": "领奖", "duijiang": "兑奖",
    "shouxufei": "手续费", "baozhengjin": "保证金", "jiedongfei": "解冻费",
    "gongzhengfei": "公证费", "geren suodeshui": "个人所得税",
    "anquan zhanghu": "安全账户", "jianguan zhanghu": "监管账户", "zhiding zhanghu": "指定账户",
    "zhuanzhang": "转账", "huikuan": "汇款", "yanzhengma": "验证码", "xiqian": "洗钱",
    "zhapian": "诈骗", "shuadan": "刷单", "daikuan": "贷款", "jingcha": "警察",
    "gongan": "公安", "gongjianfa": "公检法", "jianchayuan": "检察院", "fayuan": "法院",
    "tongjiling": "通缉令", "daibu": "逮捕", "shexian": "涉嫌",
    # sex
    "seqing": "色情", "luoliao": "裸聊", "yuepao": "约炮", "yuanjiao": "援交",
}
_SYLLABLE = re.compile(
    r"er|(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uan|"
    r"uai|van|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ue|ui|a|o|e|i|u|v)")


def _syllables(word: str) -> list[str]:
    """Split toneless pinyin into syllables: the longest one that leaves a valid start
    ("dianfu" is dian-fu, "xiqian" xi-qian)."""
    out, pos = [], 0
    while pos < len(word):
        end = next((end for end in range(len(word), pos, -1)
                    if _SYLLABLE.fullmatch(word, pos, end)
                    and (end == len(word) or _SYLLABLE.match(word, end))), None)
        if end is None:
            raise ValueError(f"not pinyin: {word!r}")
        out.append(word[pos:end])
        pos = end
    return out


def _pinyin_table() -> tuple[ahocorasick.Automaton, dict[str, tuple[str, frozenset[int]]]]:
    table = {}
    automaton = ahocorasick.Automaton()
    for spelled, hanzi in PINYIN.items():
        key = spelled.replace(" ", "")
        cuts, pos = set(), 0
        for syllable in _syllables(key)[:-1]:
            pos += len(syllable)
            cuts.add(pos)
        table[key] = (hanzi, frozenset(cuts))
        automaton.add_word(key, key)
    automaton.make_automaton()
    return automaton, table


_PINYIN_AUTOMATON, _PINYIN_WORDS = _pinyin_table()
_t2s = opencc.OpenCC("t2s")
_t2s_lock = threading.Lock()
# Original character -> its normalized piece ("" when dropped, "fi" for U+FB01).
_pieces: dict[str, str] = {}


def _piece(char: str) -> str:
    """Normalize one original character; cached because scripts reuse few distinct characters."""
    out = []
    for c in unicodedata.normalize("NFKC", char).casefold().translate(_HOMOGLYPHS):
        category = unicodedata.category(c)
        if category == "Sc":  # currency signs stay: "$350", "¥888" mark a price
            out.append(c)
            continue
        if category.startswith(_DROPPED_PREFIXES) or category in _DROPPED_CATEGORIES:
            continue
        if ord(c) >= 0x2E80:  # CJK and beyond; converting char by char keeps the index map 1:1
            with _t2s_lock:
                converted = _t2s.convert(c)
            c = converted if len(converted) == 1 else c
        out.append(c)
    piece = "".join(out)
    _pieces[char] = piece
    return piece


def piece_of(char: str) -> str:
    """The normalized form of one original character."""
    return _pieces[char] if char in _pieces else _piece(char)


def is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _letter(piece: str) -> bool:
    return len(piece) == 1 and "a" <= piece <= "z"


def _unleet(text: str, parts: list[str]) -> None:
    """Read `$`, `@` and digits as letters where they sit inside a Latin word."""
    for match in _LEET_RE.finditer(text):
        i = match.start()
        letter = _LEET[unicodedata.normalize("NFKC", match.group())]
        after = i + 1 < len(text) and _letter(parts[i + 1])
        before = i > 0 and _letter(parts[i - 1])
        if after and (before or letter == "s"):  # "ca$ino", "$ex", but not "$5" or "US$5"
            parts[i] = letter
    for match in _DIGIT_WORD.finditer(text):
        lo, hi = match.span()
        word = "".join(parts[lo:hi])
        if len(word) == hi - lo and _LEET_WORD.search(word) and all(
                c in _LEET_DIGITS for c in word if c.isdigit()):
            for i in range(lo, hi):
                parts[i] = _LEET.get(parts[i], parts[i])


def _pinyin(text: str, parts: list[str], normalized: str, index: list[int]) -> bool:
    """Write listed pinyin words ("jimi wenjian", "bing du") as their Chinese word: the
    first character on the first letter, the last on the last letter, so a hit highlights
    the pinyin as written. The word must stand alone (no Latin letter glued on either side)
    and may be broken only between syllables, or letter by letter ("d u p i n").
    Returns whether anything changed."""
    changed, done = False, -1
    for last, key in _PINYIN_AUTOMATON.iter(normalized):
        lo = last + 1 - len(key)
        start, end = index[lo], index[last] + 1
        if start <= done or latin_before(text, start) or latin_run_after(text, end):
            continue
        where = index[lo : last + 1]
        if any(len(parts[i]) != 1 for i in where):  # an expanded character ("ﬁ")
            continue
        hanzi, cuts = _PINYIN_WORDS[key]
        breaks = {k for k in range(1, len(key)) if where[k] != where[k - 1] + 1}
        if not (breaks <= cuts or len(breaks) == len(key) - 1):
            continue
        starts = [0, *sorted(cuts)]
        if len(starts) != len(hanzi):
            starts = list(range(len(hanzi)))
        positions = [where[k] for k in starts[:-1]] + [where[-1]]
        for i in where:
            parts[i] = ""
        for char, pos in zip(hanzi, positions, strict=True):
            parts[pos] = char
        changed, done = True, end - 1
    return changed


def normalize(text: str) -> tuple[str, list[int]]:
    """Return the matching form of `text` and, per normalized character, its original index.

    NFKC (full-width to half-width), casefold, look-alike Cyrillic/Greek letters to Latin,
    traditional to simplified Chinese, symbols and digits inside Latin words to letters,
    listed high-risk pinyin words ("jimi wenjian") to their Chinese word, then whitespace,
    punctuation, symbols other than currency signs and zero-width/format characters removed.
    """
    chars = set(text)
    for char in chars.difference(_pieces):
        _piece(char)
    parts = list(map(_pieces.__getitem__, text))
    if _LEET_RE.search(text):
        _unleet(text, parts)
    normalized, index = _joined(parts)
    if _pinyin(text, parts, normalized, index):
        normalized, index = _joined(parts)
    return normalized, index


def _joined(parts: list[str]) -> tuple[str, list[int]]:
    normalized = "".join(parts)
    index = list(compress(range(len(parts)), parts))
    if len(index) != len(normalized):  # a character expanded, e.g. the "fi" ligature
        index = [i for i, part in enumerate(parts) for _ in part]
    return normalized, index


def gaps(index: list[int], original: str, lo: int, hi: int) -> list[int]:
    """Normalized positions p in (lo, hi) where a visible separator was removed before p."""
    found = []
    for p in range(lo + 1, hi):
        between = original[index[p - 1] + 1 : index[p]]
        if any(unicodedata.category(c) not in INVISIBLE_CATEGORIES for c in between):
            found.append(p)
    return found


def latin_before(text: str, pos: int) -> bool:
    """Whether the visible character before `pos` continues a Latin word."""
    pos -= 1
    while pos >= 0 and unicodedata.category(text[pos]) in INVISIBLE_CATEGORIES:
        pos -= 1
    if pos < 0:
        return False
    piece = piece_of(text[pos])
    return bool(piece) and is_latin(piece[-1])


def latin_run_after(text: str, pos: int) -> str:
    """The Latin letters glued to the end of a match (at most 4, enough to judge a suffix)."""
    run = []
    while pos < len(text) and len(run) < 4:
        char = text[pos]
        if unicodedata.category(char) in INVISIBLE_CATEGORIES:
            pos += 1
            continue
        piece = piece_of(char)
        if not piece or not is_latin(piece[0]):
            break
        run.append(piece)
        pos += 1
    return "".join(run)


class Sentences:
    """Which sentence (split at 。！？!?;； line breaks and ". ") or clause (also at commas and
    colons) an original index falls in."""

    def __init__(self, text: str) -> None:
        self._ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        self._clause_ends: list[int] | None = None
        self._text = text

    def of(self, original_index: int) -> int:
        return bisect_right(self._ends, original_index)

    def clause_of(self, original_index: int) -> int:
        if self._clause_ends is None:
            self._clause_ends = [m.end() for m in _CLAUSE_END.finditer(self._text)]
        return bisect_right(self._clause_ends, original_index)

    def continues_list(self, original_index: int) -> bool:
        """Whether the clause of `original_index` goes on a list with "or"/"nor" ("never
        click links, share codes or move money"), so a negation before it still governs it."""
        clause = self.clause_of(original_index)
        ends = self._clause_ends or []
        start = ends[clause - 1] if clause else 0
        end = ends[clause] if clause < len(ends) else len(self._text)
        return _LIST_WORD.search(self._text, start, end) is not None

    def opens_aside(self, original_end: int) -> bool:
        """Whether a comma follows right after `original_end` ("never, under any
        circumstances, ask ..."): the negation then reaches past the aside."""
        return _ASIDE.match(self._text, original_end) is not None
