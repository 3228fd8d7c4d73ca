"""What an SMS says on the wire, and what a reply to one asks for (pure: no I/O).

Messages to China (+86) start with the sender's signature in 【】, as Chinese carriers
require, and marketing ones end with the Chinese opt-out text (拒收请回复R by default);
other marketing messages end with "Reply STOP to opt out". Each tenant may word these
texts itself.

A reply opts out when it is one of the contract's keywords, in any case or width,
with punctuation around it, as the first or last word of a short sentence ("STOP
please", "please stop"), or, for the Chinese keywords, anywhere ("我要退订。"). Single
letters (T, R) and TD count only as the whole reply: "r u there?" is not an opt-out.
START and UNSTOP are recognised as asking to receive messages again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MARKETING = "marketing"
TRANSACTIONAL = "transactional"
KINDS = (MARKETING, TRANSACTIONAL)

DEFAULT_OPT_OUT = "Reply STOP to opt out"
DEFAULT_OPT_OUT_CN = "拒收请回复R"
CHINA_PREFIX = "+86"
MAX_BODY = 1600  # Twilio's limit on one message's body, in characters

OPT_OUT = "opt_out"
OPT_IN = "opt_in"

_WORD_KEYWORDS = frozenset({"stop", "stopall", "unsubscribe", "end", "quit", "cancel",
                            "optout", "revoke"})
_WHOLE_KEYWORDS = frozenset({"t", "td", "r"})  # too short to find inside a sentence
_CJK_KEYWORDS = ("退订", "拒收")
_OPT_IN_KEYWORDS = frozenset({"start", "unstop"})
_WORD = re.compile(r"[a-z0-9]+")
_BRACKETS = "【】[]"


@dataclass(frozen=True)
class Wording:
    """A tenant's texts: its signature (for China) and its two opt-out lines."""

    signature: str
    opt_out: str = DEFAULT_OPT_OUT
    opt_out_cn: str = DEFAULT_OPT_OUT_CN


def is_china(e164: str) -> bool:
    """A +86 number, which needs the signature and the Chinese opt-out text."""
    return e164.startswith(CHINA_PREFIX)


def _append(body: str, line: str) -> str:
    body = body.rstrip()
    if not line or body.endswith(line):
        return body
    return f"{body} {line}"


def compose(body: str, e164: str, kind: str, wording: Wording) -> str:
    """The text sent to `e164`: signature and opt-out line added where they are due."""
    body = body.strip()
    if is_china(e164):
        signature = wording.signature.strip().strip(_BRACKETS).strip()
        tag = f"【{signature}】" if signature else ""
        if tag and not body.startswith(tag):
            body = tag + body
        return _append(body, wording.opt_out_cn) if kind == MARKETING else body
    return _append(body, wording.opt_out) if kind == MARKETING else body


def variant(e164: str) -> str:
    """Which composed text a number gets: "cn" or "other" (for per-batch summaries)."""
    return "cn" if is_china(e164) else "other"


def classify_reply(text: str) -> str | None:
    """OPT_OUT, OPT_IN, or None for any other reply."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    if any(word in folded for word in _CJK_KEYWORDS):
        return OPT_OUT
    words = _WORD.findall(folded)
    if not words:
        return None
    whole = "".join(words)  # "opt-out", "S.T.O.P" and "stop!" read as one word
    if whole in _WORD_KEYWORDS or whole in _WHOLE_KEYWORDS:
        return OPT_OUT
    if whole in _OPT_IN_KEYWORDS:
        return OPT_IN
    # The first or last word, or two ("opt out please", "please stop all").
    edges = {words[0], words[-1], "".join(words[:2]), "".join(words[-2:])}
    if edges & _WORD_KEYWORDS:
        return OPT_OUT
    if words[0] in _OPT_IN_KEYWORDS:
        return OPT_IN
    return None
