"""`qr`: the poster's code must scan to the clinic's deep link, in every format."""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
import zxingcpp
from PIL import Image, PdfParser

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


def pdf_images(path: Path) -> list[Image.Image]:
    """The pictures drawn on the PDF's pages, as Pillow wrote them (JPEG streams)."""
    pdf = PdfParser.PdfParser(str(path))
    try:
        pictures = []
        for page_ref in pdf.pages:
            page = pdf.read_indirect(page_ref)
            for ref in page[b"Resources"][b"XObject"].values():
                stream = pdf.read_indirect(ref)
                assert stream.dictionary[b"Filter"] == b"DCTDecode"
                with Image.open(io.BytesIO(stream.buf)) as picture:
                    pictures.append(picture.copy())
        return pictures
    finally:
        pdf.close()


def test_pdf_poster_is_an_a4_pdf_whose_code_scans(config_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "poster.pdf"
    assert main(["qr", "--clinic", "demo-kine", "--out", str(out),
                 "--config", str(config_file)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    box = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", data)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(595.28, abs=1)
    assert float(box.group(2)) == pytest.approx(841.89, abs=1)
    (page,) = pdf_images(out)
    assert page.size == (2480, 3508)  # the whole page at 300 dpi
    assert decode(page.convert("L")) == [f"https://t.me/{BOT}?start=demo-kine"]


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
