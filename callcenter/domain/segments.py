"""SMS segments as carriers count them (pure: no I/O).

A text that fits the GSM 03.38 alphabet goes as GSM-7: 160 units in one segment, 153
per segment once it is split (the rest of each carries the concatenation header).
Characters of the extension table (`€ [ ] { } ~ ^ | \\` and form feed) are sent as an
escape plus the character, so they count 2. Any other text goes as UCS-2: 70 UTF-16
code units in one segment, 67 per part, so a character outside the Basic Multilingual
Plane (most emoji) counts 2 as well.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# The basic character set, in GSM 03.38 order (0x1B, the escape, is not a character).
_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class Segmented:
    """How a text goes out: its encoding, its length in that encoding's units, segments."""

    encoding: str
    units: int
    segments: int


def gsm7_units(text: str) -> int | None:
    """The text's length in GSM-7 septets, or None if a character is not in the alphabet."""
    units = 0
    for ch in text:
        if ch in _BASIC:
            units += 1
        elif ch in _EXTENSION:
            units += 2
        else:
            return None
    return units


def ucs2_units(text: str) -> int:
    """The text's length in UTF-16 code units (a character beyond the BMP is a pair)."""
    return len(text.encode("utf-16-le")) // 2


def _count(units: int, encoding: str) -> int:
    if units == 0:
        return 0
    if units <= SINGLE[encoding]:
        return 1
    return -(-units // PART[encoding])


def segment(text: str) -> Segmented:
    """Encoding, units and segments of `text` (an empty text is 0 segments)."""
    units = gsm7_units(text)
    if units is not None:
        return Segmented(GSM7, units, _count(units, GSM7))
    units = ucs2_units(text)
    return Segmented(UCS2, units, _count(units, UCS2))
