"""Fonts for the poster: a common system font if there is one, else Pillow's own.

Pillow (>= 10.1, with FreeType) ships one scalable font, Aileron, everywhere; but it has no
accented letters, so "Kinépraktijk" would print a box. We therefore prefer fonts found on
most systems (DejaVu and Liberation on Linux, Arial on Windows and macOS) and, with
Aileron, replace the letters it lacks by their plain form (é -> e) rather than by boxes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont, features

Font = ImageFont.FreeTypeFont
# Pillow finds bare file names in the system's font folders.
REGULAR = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf",
           "NotoSans-Regular.ttf", "Helvetica.ttc")
BOLD = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf",
        "NotoSans-Bold.ttf", "Helvetica.ttc")
_ASCII_LOOKALIKES = {"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "..."}


class FontError(Exception):
    """No scalable font is available."""


@dataclass(frozen=True)
class FontSet:
    """A regular and a bold face at any size, and the text each can show."""

    regular_name: str | None
    bold_name: str | None

    def font(self, size: float, bold: bool = False) -> Font:
        name = self.bold_name if bold else self.regular_name
        return _load(name, round(size))

    def path(self, bold: bool = False) -> str | None:
        """The font file, for embedding; None for Pillow's own font (it has no file)."""
        name = self.bold_name if bold else self.regular_name
        return None if name is None else str(_load(name, 12).path)

    def displayable(self, text: str, bold: bool = False) -> str:
        """`text` with letters the font lacks replaced by look-alikes it has."""
        font = self.font(40, bold)
        return "".join(ch if _has_glyph(font, ch) else _plain(ch) for ch in text)

    def measure(self, bold: bool = False) -> Callable[[str, float], float]:
        """Width of a text at a size, in the same unit as the size."""
        def width(text: str, size: float) -> float:
            # Measured at 10x for precision, since sizes here are points, not pixels.
            return float(self.font(size * 10, bold).getlength(text)) / 10
        return width

    @property
    def family(self) -> str:
        """For SVG's font-family: the found font first, then generic fallbacks."""
        names = {"DejaVu": "DejaVu Sans", "Liberation": "Liberation Sans", "Arial": "Arial",
                 "arial": "Arial", "Noto": "Noto Sans", "Helvetica": "Helvetica"}
        found = next((v for k, v in names.items() if (self.regular_name or "").startswith(k)),
                     None)
        generic = "Arial, Helvetica, 'DejaVu Sans', 'Liberation Sans', sans-serif"
        return f"'{found}', {generic}" if found else generic


def find_fonts() -> FontSet:
    if not features.check("freetype2"):
        raise FontError("this Pillow has no FreeType support, so it cannot draw text at "
                        "poster size; install Pillow from PyPI (pip install pillow)")
    return FontSet(_first_available(REGULAR), _first_available(BOLD))


def _first_available(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            ImageFont.truetype(name, 12)
        except OSError:
            continue
        return name
    return None


@lru_cache(maxsize=64)
def _load(name: str | None, size: int) -> Font:
    if name is None:
        font = ImageFont.load_default(size=size)
        if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow < 10.1 or no FreeType
            raise FontError("Pillow's own font is not scalable here: install Pillow >= 10.1 "
                            "from PyPI, or a font such as DejaVu Sans")
        return font
    return ImageFont.truetype(name, size)


def _has_glyph(font: Font, ch: str) -> bool:
    if ch.isspace() or ch.isascii():
        return True
    # A missing letter is drawn as the font's "no glyph" box: the same mask as a code point
    # no font defines.
    return bytes(font.getmask(ch)) != bytes(font.getmask("\ufffe"))


def _plain(ch: str) -> str:
    if ch in _ASCII_LOOKALIKES:
        return _ASCII_LOOKALIKES[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if base.isascii() and base else "?"
