"""The font PDFs are written in: a CJK font shipped by a Debian package, so Chinese
names and text print as themselves, never as "?".

`apt-get install fonts-wqy-microhei` (what CI installs; fonts-noto-cjk or
fonts-wqy-zenhei also work). Without any of them PDFs fall back to the built-in
Helvetica, which covers Latin-1 only: the rest prints as "?" and a warning is logged.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

log = logging.getLogger(__name__)

# (file, face index in a collection); the first that exists is used.
CJK_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # the SC face
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)
FAMILY = "cjk"
FALLBACK = "Helvetica"


@lru_cache(maxsize=1)
def cjk_font() -> tuple[Path, int] | None:
    """The CJK font file and face found on this machine, if any."""
    for name, face in CJK_FONTS:
        if Path(name).is_file():
            return Path(name), face
    log.warning("no CJK font found (apt-get install fonts-wqy-microhei): PDFs print "
                "Chinese text as '?'")
    return None


def use_font(pdf: FPDF) -> str:
    """Register the CJK font (regular and bold) with `pdf`; its family, or the fallback's."""
    found = cjk_font()
    if found is None:
        return FALLBACK
    path, face = found
    if FAMILY not in pdf.fonts:
        for style in ("", "B"):  # no bold face: the bold style uses the regular one
            pdf.add_font(FAMILY, style, str(path), collection_font_number=face)
    return FAMILY


def printable(text: object, family: str) -> str:
    """Text the family can print: everything with the CJK font, Latin-1 with the fallback."""
    value = str(text)
    if family == FALLBACK:
        return value.encode("latin-1", "replace").decode("latin-1")
    return value
