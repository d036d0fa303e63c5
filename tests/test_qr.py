"""`qr`: the poster's code must scan to the clinic's deep link, in every format."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
import yaml
import zxingcpp
from PIL import Image

from bot.cli import main
from bot.clinics import PAPER_POINTS, deep_link, layout
from bot.clinics.fonts import FontSet, find_fonts
from bot.clinics.poster import Text
from bot.config import Clinic
from tests.conftest import EXAMPLE_CONFIG, KNOWLEDGE

BOT = "mythbot_artrose_bot"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The example configuration with a second clinic whose name needs accents."""
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["knowledge_dir"] = str(KNOWLEDGE)
    data["clinics"].append({"slug": "sint-jozef", "name": "Kinépraktijk Sint-Jozef",
                            "welcome": {"nl": "Welkom", "en": "Welcome"}})
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_deep_link() -> None:
    assert deep_link(BOT, "demo-kine") == f"https://t.me/{BOT}?start=demo-kine"
    assert deep_link("@" + BOT, "x") == f"https://t.me/{BOT}?start=x"


@pytest.mark.parametrize(("paper", "pixels"), [("a4", (2480, 3508)), ("a5", (1748, 2480))])
def test_png_poster_scans_to_the_deep_link(config_file: Path, tmp_path: Path, paper: str,
                                           pixels: tuple[int, int],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "poster.png"
    code = main(["qr", "--clinic", "sint-jozef", "--out", str(out), "--paper", paper,
                 "--config", str(config_file)])
    assert code == 0
    url = f"https://t.me/{BOT}?start=sint-jozef"
    assert url in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.size == pixels  # 300 dpi
        assert decode(image.convert("L")) == [url]
        # At a quarter of the resolution (a small print, a poor photo) it still scans.
        small = image.convert("L").resize((image.width // 4, image.height // 4))
        assert decode(small) == [url]


def test_svg_poster_is_valid_and_its_code_scans(config_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "poster.svg"
    assert main(["qr", "--clinic", "demo-kine", "--out", str(out),
                 "--config", str(config_file)]) == 0
    root = ET.fromstring(out.read_bytes())
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("210mm", "297mm")
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "Kinepraktijk Demo" in texts
    assert f"@{BOT}" in texts
    assert any("Scan de code met je gsm-camera" in t for t in texts)
    assert any("Scan the code with your phone camera" in t for t in texts)

    # Redraw the code from its path (one "M x y h w v1 h-w z" per run of dark modules).
    path = next(root.iter(f"{SVG}path"))
    runs = [tuple(map(int, m)) for m in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.get("d",
                                                                                    ""))]
    size = max(y for _, y, _ in runs) + 1
    border, scale = 4, 8
    image = Image.new("L", ((size + 2 * border) * scale,) * 2, 255)
    for x, y, w in runs:
        image.paste(0, ((x + border) * scale, (y + border) * scale,
                        (x + w + border) * scale, (y + 1 + border) * scale))
    assert decode(image) == [f"https://t.me/{BOT}?start=demo-kine"]


def pdf_streams(data: bytes) -> list[bytes]:
    """Every stream of the PDF, inflated where it is compressed."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        raw = match.group(1)
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            streams.append(raw)
    return streams


def qr_from_pdf_content(content: bytes) -> Image.Image:
    """Redraw the black rectangles the page fills ("x y w h re f" after a black fill)."""
    black, rects = False, []
    for line in content.decode("latin-1").splitlines():
        words = line.split()
        if words[-1:] in (["g"], ["rg"]):
            black = all(float(v) == 0 for v in words[:-1])
        if black and words[-2:] == ["re", "f"]:
            rects.append(tuple(float(v) for v in words[:4]))
    module = min(abs(h) for _, _, _, h in rects)
    left, top = min(x for x, _, _, _ in rects), max(y + h for _, y, _, h in rects)
    size = round((max(x + w for x, _, w, _ in rects) - left) / module)
    border, scale = 4, 8
    image = Image.new("L", ((size + 2 * border) * scale,) * 2, 255)
    for x, y, w, h in rects:
        column, row = round((x - left) / module), round((top - (y + h)) / module)
        image.paste(0, ((column + border) * scale, (row + border) * scale,
                        (column + round(w / module) + border) * scale,
                        (row + round(abs(h) / module) + border) * scale))
    return image


def test_pdf_poster_is_a_small_vector_a4_pdf_whose_code_scans(config_file: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "poster.pdf"
    assert main(["qr", "--clinic", "demo-kine", "--out", str(out),
                 "--config", str(config_file)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    box = re.search(rb"/MediaBox ?\[ ?0 0 ([\d.]+) ([\d.]+) ?\]", data)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(595.28, abs=1)
    assert float(box.group(2)) == pytest.approx(841.89, abs=1)
    assert len(data) < 60_000  # a picture of the page was 780 KB
    assert b"/Subtype /Image" not in data and b"/Subtype/Image" not in data
    assert b"/FontFile2" in data  # the text is text, in an embedded (subset) font
    streams = pdf_streams(data)
    content = next(s for s in streams if b" re f" in s or b" re\nf" in s)
    assert b"Tj" in content or b"TJ" in content
    assert decode(qr_from_pdf_content(content)) == [f"https://t.me/{BOT}?start=demo-kine"]


@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftoppm, pdftotext) is not installed")
def test_pdf_poster_as_a_viewer_shows_it(config_file: Path, tmp_path: Path) -> None:
    """Rendered by a real PDF renderer: the code scans and the texts are there."""
    out = tmp_path / "poster.pdf"
    assert main(["qr", "--clinic", "demo-kine", "--out", str(out),
                 "--config", str(config_file)]) == 0
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(out),
                    str(tmp_path / "page")], check=True, timeout=60)
    with Image.open(tmp_path / "page.png") as page:
        assert decode(page.convert("L")) == [f"https://t.me/{BOT}?start=demo-kine"]
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout
    flat = " ".join(text.split())
    assert "Kinepraktijk Demo" in flat and "Scan de code met je gsm-camera" in flat
    assert "Tel. +32 9 000 00 00 · example.org/kinepraktijk-demo" in flat


def test_unknown_clinic_lists_the_known_ones(config_file: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "poster.png"
    code = main(["qr", "--clinic", "nope", "--out", str(out), "--config", str(config_file)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == "mythbot: unknown clinic 'nope'; known clinics: demo-kine, sint-jozef"
    assert not out.exists()


def test_a_poster_for_the_example_bot_comes_with_a_warning(
        config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(EXAMPLE_CONFIG.parent)  # where config.example.yaml is the default
    out = tmp_path / "poster.svg"
    assert main(["qr", "--clinic", "demo-kine", "--out", str(out),
                 "--config", EXAMPLE_CONFIG.name]) == 0
    assert f"the poster points to @{BOT} from config.example.yaml" in capsys.readouterr().err
    assert main(["qr", "--clinic", "demo-kine", "--out", str(out),
                 "--config", str(config_file)]) == 0
    assert capsys.readouterr().err == ""  # the clinic's own configuration


def test_unknown_format_is_refused(config_file: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["qr", "--clinic", "demo-kine", "--out", str(tmp_path / "poster.jpg"),
                 "--config", str(config_file)])
    assert code == 2
    assert ".png, .svg, .pdf" in capsys.readouterr().err


def test_letters_a_font_lacks_become_plain_letters() -> None:
    builtin = FontSet(None, None)  # Pillow's own font has no accented letters
    assert builtin.displayable("Kinépraktijk — Gent") == "Kinepraktijk - Gent"
    found = find_fonts()
    if found.regular_name is None:
        pytest.skip("no system font with accents here")
    assert found.displayable("Kinépraktijk") == "Kinépraktijk"


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_long_clinic_names_still_fit(paper: str) -> None:
    fonts = FontSet(None, None)

    def measure(text: str, size: float, bold: bool) -> float:
        return fonts.measure(bold)(fonts.displayable(text, bold), size)

    clinic = Clinic(slug="long", name="Centrum voor Kinesitherapie, Revalidatie en Beweging "
                    "Sint-Vincentius Gent-Zuid en Omstreken", welcome={"nl": "x", "en": "y"})
    poster = layout(clinic, BOT, paper, measure)
    width, height = PAPER_POINTS[paper]
    texts = [s for s in poster.shapes if isinstance(s, Text)]
    for shape in texts:
        assert measure(shape.text, shape.size, shape.bold) <= width * 0.85
    for above, below in itertools.pairwise(texts):
        assert below.y - above.y >= below.size * 0.9  # no line drawn over another
    assert texts[-1].y < height


def test_the_clinics_phone_and_website_are_on_the_poster_when_configured() -> None:
    fonts = FontSet(None, None)

    def measure(text: str, size: float, bold: bool) -> float:
        return fonts.measure(bold)(fonts.displayable(text, bold), size)

    def texts(clinic: Clinic) -> list[str]:
        return [s.text for s in layout(clinic, BOT, "a4", measure).shapes
                if isinstance(s, Text)]

    welcome = {"nl": "x", "en": "y"}
    full = Clinic(slug="a", name="Praktijk A", welcome=welcome, phone="+32 9 123 45 67",
                  url="https://praktijk-a.be/")
    assert "Tel. +32 9 123 45 67 · praktijk-a.be" in texts(full)
    only_phone = Clinic(slug="b", name="Praktijk B", welcome=welcome, phone="09 123 45 67")
    assert "Tel. 09 123 45 67" in texts(only_phone)
    bare = Clinic(slug="c", name="Praktijk C", welcome=welcome)
    assert not any("Tel." in t or ".be" in t for t in texts(bare))
