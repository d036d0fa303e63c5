"""A printable A4/A5 poster for a clinic's waiting room: QR code, clinic, bot handle, how-to.

`layout()` is pure: it places every shape in points (1/72 inch) and knows no file format.
The writers turn that into PNG (Pillow, 300 dpi), or into SVG or PDF, where text stays text
and the code is drawn as squares.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

import segno
from PIL import Image, ImageDraw

from bot.clinics.fonts import FontSet, find_fonts
from bot.clinics.links import deep_link, handle
from bot.config import Clinic

Paper = Literal["a4", "a5"]
PAPER_POINTS: dict[Paper, tuple[float, float]] = {"a4": (595.28, 841.89), "a5": (419.53, 595.28)}
PAPER_MM: dict[Paper, tuple[int, int]] = {"a4": (210, 297), "a5": (148, 210)}
FORMATS = (".png", ".svg", ".pdf")
DPI = 300
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks

TEAL = "#0b6e69"
INK = "#1f2933"
GREY = "#52606d"
WHITE = "#ffffff"

# Poster wording, in Belgian Dutch (`dutch` swaps "gsm-camera" and the like for the
# Netherlands); the English line is for everyone else.
TITLE_NL = "Vragen over artrose?"
TITLE_EN = "Questions about osteoarthritis?"
HOWTO_NL = "Scan de code met je gsm-camera en stel je vraag over artrose."
HOWTO_EN = "Scan the code with your phone camera and ask your question about osteoarthritis."
SEARCH_NL = "Geen camera? Zoek {handle} in Telegram."
SEARCH_EN = "No camera? Search for {handle} in Telegram."
FOOTER_NL = "Algemene uitleg, geen vervanging van je arts of kinesitherapeut."
FOOTER_EN = "General information, not a substitute for your doctor or physiotherapist."


class PosterError(Exception):
    """The poster cannot be made (unknown format, no font); the message says what to do."""


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    color: str


@dataclass(frozen=True)
class Text:
    """One line, centred on `x`, standing on the baseline `y`."""

    x: float
    y: float
    text: str
    size: float
    color: str
    bold: bool = False


@dataclass(frozen=True)
class QrCode:
    """Dark modules as rows of booleans, drawn at `x, y` with `module` points per module."""

    x: float
    y: float
    module: float
    rows: tuple[tuple[bool, ...], ...]


Shape = Rect | Text | QrCode
Measure = Callable[[str, float, bool], float]


@dataclass(frozen=True)
class Poster:
    width: float
    height: float
    paper: Paper
    url: str
    shapes: tuple[Shape, ...]


def qr_rows(url: str) -> tuple[tuple[bool, ...], ...]:
    # Error level M survives a smudge or a crease; the code stays small for a short URL.
    code = segno.make(url, error="m", micro=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


def wrap(text: str, width: float, size: float, bold: bool, measure: Measure) -> list[str]:
    """Greedy word wrap; a word longer than the line stays whole on its own line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and measure(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def layout(clinic: Clinic, bot_username: str, paper: Paper, measure: Measure,
           dutch: Callable[[str], str] = str) -> Poster:
    """Every shape of the poster, top to bottom; sizes scale with the paper, and shrink
    together when long texts (a long clinic name, a wide font) would not fit. `dutch` puts
    the Dutch lines in the clinic's Dutch (see bot.knowledge.dutch.swapper)."""
    factor = 1.0
    while True:
        poster, fits = _place(clinic, bot_username, paper, measure, factor, dutch)
        if fits or factor < 0.5:
            return poster
        factor *= 0.95


def _place(clinic: Clinic, bot_username: str, paper: Paper, measure: Measure,
           factor: float, dutch: Callable[[str], str]) -> tuple[Poster, bool]:
    width, height = PAPER_POINTS[paper]
    page = width / 100  # sizes below are percentages of the page width ...
    unit = page * factor  # ... times `factor`, except the margins
    margin = 8 * page
    line_width = width - 2 * margin
    centre = width / 2
    url = deep_link(bot_username, clinic.slug)
    bot_handle = handle(bot_username)
    shapes: list[Shape] = []

    def lines(text: str, top: float, size: float, color: str, bold: bool = False,
              gap: float = 1.3) -> float:
        """Wrapped lines from `top`; the y below the last one."""
        y = top
        for line in wrap(text, line_width, size, bold, measure):
            y += size
            shapes.append(Text(centre, y, line, size, color, bold))
            y += size * (gap - 1)
        return y

    band = Rect(0, 0, width, 0, TEAL)
    shapes.append(band)
    y = lines(dutch(TITLE_NL), 4 * unit, 6.4 * unit, WHITE, bold=True, gap=1.2)
    y = lines(TITLE_EN, y + 0.6 * unit, 3.8 * unit, WHITE)
    band_height = y + 2.6 * unit
    shapes[0] = Rect(0, 0, width, band_height, TEAL)

    # The clinic's name, as large as fits on at most two lines.
    size = 6 * unit
    while size > 3 * unit and len(wrap(clinic.name, line_width, size, True, measure)) > 2:
        size *= 0.9
    y = lines(clinic.name, band_height + 4 * unit, size, INK, bold=True, gap=1.2)
    contact = contact_line(clinic)
    if contact:
        y = lines(contact, y, 2.8 * unit, GREY)

    rows = qr_rows(url)
    modules = len(rows) + 2 * QUIET_ZONE
    qr_size = 52 * unit
    module = qr_size / modules
    shapes.append(QrCode(centre - qr_size / 2 + QUIET_ZONE * module,
                         y + QUIET_ZONE * module, module, rows))
    y += qr_size

    y = lines(bot_handle, y, 5 * unit, TEAL, bold=True)
    y = lines(url.removeprefix("https://"), y, 2.3 * unit, GREY)
    y = lines(dutch(HOWTO_NL), y + 3.5 * unit, 3.4 * unit, INK, bold=True)
    y = lines(HOWTO_EN, y + 1 * unit, 3 * unit, INK)
    y = lines(dutch(SEARCH_NL).format(handle=bot_handle), y + 2.5 * unit, 2.5 * unit, GREY)
    y = lines(SEARCH_EN.format(handle=bot_handle), y, 2.5 * unit, GREY)

    footer = 2 * page
    footer_nl = dutch(FOOTER_NL)
    foot_lines = (len(wrap(footer_nl, line_width, footer, False, measure))
                  + len(wrap(FOOTER_EN, line_width, footer, False, measure)))
    foot_top = height - margin - foot_lines * footer * 1.3
    rule = foot_top - 1.5 * page
    shapes.append(Rect(margin, rule, line_width, 0.25 * page, TEAL))
    lines(FOOTER_EN, lines(footer_nl, foot_top, footer, GREY), footer, GREY)
    return Poster(width, height, paper, url, tuple(shapes)), y <= rule - 2 * page


def contact_line(clinic: Clinic) -> str:
    """The clinic's phone and website, when configured: "Tel. … · example.org/…"."""
    parts = [f"Tel. {clinic.phone}" if clinic.phone else "",
             (clinic.url or "").removeprefix("https://").removeprefix("http://").rstrip("/")]
    return " · ".join(part for part in parts if part)


def write_poster(path: Path, clinic: Clinic, bot_username: str, paper: Paper = "a4",
                 dutch: Callable[[str], str] = str) -> str:
    """Write the poster in the format named by `path`'s extension; the URL it encodes."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise PosterError(f"cannot write {path.name}: the file name must end in "
                          f"{', '.join(FORMATS)}")
    fonts = find_fonts()

    def measure(text: str, size: float, bold: bool) -> float:
        return fonts.measure(bold)(fonts.displayable(text, bold), size)

    poster = layout(clinic, bot_username, paper, measure, dutch)
    if suffix == ".svg":
        path.write_text(to_svg(poster, fonts), encoding="utf-8")
    elif suffix == ".pdf":
        path.write_bytes(to_pdf(poster, fonts, title=f"mythbot - {clinic.name}"))
    else:
        to_image(poster, fonts, DPI).save(path, "PNG", dpi=(DPI, DPI), optimize=True)
    return poster.url


def to_image(poster: Poster, fonts: FontSet, dpi: int) -> Image.Image:
    scale = dpi / 72
    image = Image.new("RGB", (round(poster.width * scale), round(poster.height * scale)), WHITE)
    draw = ImageDraw.Draw(image)
    for shape in poster.shapes:
        if isinstance(shape, Rect):
            draw.rectangle((shape.x * scale, shape.y * scale,
                            (shape.x + shape.width) * scale - 1,
                            (shape.y + shape.height) * scale - 1), fill=shape.color)
        elif isinstance(shape, Text):
            draw.text((shape.x * scale, shape.y * scale),
                      fonts.displayable(shape.text, shape.bold),
                      font=fonts.font(shape.size * scale, shape.bold), fill=shape.color,
                      anchor="ms")
        else:
            _draw_qr(image, shape, scale)
    return image


def _draw_qr(image: Image.Image, qr: QrCode, scale: float) -> None:
    # Whole pixels per module keep every module the same size, which scanners rely on.
    pixels = max(1, math.floor(qr.module * scale))
    count = len(qr.rows)
    code = Image.new("1", (count, count), 1)
    code.putdata([0 if dark else 1 for row in qr.rows for dark in row])
    code = code.resize((count * pixels, count * pixels), Image.Resampling.NEAREST)
    # Centre the (slightly smaller, whole-pixel) code where the layout put it.
    offset = (qr.module * scale * count - count * pixels) / 2
    image.paste(code.convert("RGB"), (round(qr.x * scale + offset), round(qr.y * scale + offset)))


def to_svg(poster: Poster, fonts: FontSet) -> str:
    mm_w, mm_h = PAPER_MM[poster.paper]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{mm_w}mm" height="{mm_h}mm" '
        f'viewBox="0 0 {poster.width:.2f} {poster.height:.2f}">',
        f"<title>{escape(poster.url)}</title>",
        f'<rect width="100%" height="100%" fill="{WHITE}"/>',
    ]
    family = quoteattr(fonts.family)
    for shape in poster.shapes:
        if isinstance(shape, Rect):
            parts.append(f'<rect x="{shape.x:.2f}" y="{shape.y:.2f}" width="{shape.width:.2f}" '
                         f'height="{shape.height:.2f}" fill="{shape.color}"/>')
        elif isinstance(shape, Text):
            weight = ' font-weight="bold"' if shape.bold else ""
            parts.append(f'<text x="{shape.x:.2f}" y="{shape.y:.2f}" font-family={family} '
                         f'font-size="{shape.size:.2f}"{weight} fill="{shape.color}" '
                         f'text-anchor="middle">{escape(shape.text)}</text>')
        else:
            parts.append(f'<path transform="translate({shape.x:.3f} {shape.y:.3f}) '
                         f'scale({shape.module:.4f})" fill="#000000" '
                         f'shape-rendering="crispEdges" d="{qr_path(shape.rows)}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def to_pdf(poster: Poster, fonts: FontSet, title: str) -> bytes:
    """The poster as a vector PDF: text as text in the poster's font (only the letters used
    are embedded) and the code as filled squares, so it prints sharp at any size and the
    file stays small."""
    from fpdf import FPDF  # only the PDF poster needs it

    pdf = FPDF(unit="pt", format=(poster.width, poster.height))
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.set_creator("mythbot")
    pdf.add_page()
    faces = {False: fonts.path(False), True: fonts.path(True)}
    for bold, face in faces.items():
        if face is not None:
            pdf.add_font("Poster", "B" if bold else "", face)
    for shape in poster.shapes:
        if isinstance(shape, Rect):
            pdf.set_fill_color(shape.color)
            pdf.rect(shape.x, shape.y, shape.width, shape.height, style="F")
        elif isinstance(shape, Text):
            face = faces[shape.bold]
            if face is not None:
                pdf.set_font("Poster", "B" if shape.bold else "", shape.size)
                text = shape.text
            else:  # no system font: PDF's own Helvetica, which has Latin-1 letters only
                pdf.set_font("Helvetica", "B" if shape.bold else "", shape.size)
                text = shape.text.encode("latin-1", "replace").decode("latin-1")
            pdf.set_text_color(shape.color)
            pdf.text(shape.x - pdf.get_string_width(text) / 2, shape.y, text)
        else:
            pdf.set_fill_color("#000000")
            for x, y, run in qr_runs(shape.rows):
                pdf.rect(shape.x + x * shape.module, shape.y + y * shape.module,
                         run * shape.module, shape.module, style="F")
    return bytes(pdf.output())


def qr_runs(rows: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """(x, y, length) in modules of every horizontal run of dark modules."""
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append((start, y, x - start))
    return runs


def qr_path(rows: tuple[tuple[bool, ...], ...]) -> str:
    """SVG path data in module units: one rectangle per horizontal run of dark modules."""
    return "".join(f"M{x} {y}h{run}v1h-{run}z" for x, y, run in qr_runs(rows))
