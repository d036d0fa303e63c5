"""Clinics that share the bot: deep links and printable QR posters."""

from bot.clinics.fonts import FontError
from bot.clinics.links import DEEP_LINK, deep_link, handle
from bot.clinics.poster import FORMATS, PAPER_POINTS, Paper, PosterError, layout, write_poster

__all__ = [
    "DEEP_LINK",
    "FORMATS",
    "PAPER_POINTS",
    "FontError",
    "Paper",
    "PosterError",
    "deep_link",
    "handle",
    "layout",
    "write_poster",
]
