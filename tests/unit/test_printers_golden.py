"""Reference tickets, byte for byte, and what must hold of any ticket whatever the golden files say.

The golden files pin the exact bytes of ``printers.samples.GOLDEN`` rendered with the shipped fonts.
After an intended change of the layout, look at the pictures and regenerate:

    UPDATE_GOLDEN=1 /tmp/venv/bin/pytest tests/unit/test_printers_golden.py
    /tmp/venv/bin/python -m printers.samples --docs docs/tickets     # the PNGs in docs/

Raster bytes depend on FreeType and Pillow (glyph rasterisation) and segno (QR masks) besides our code;
``tests/golden/toolchain.json`` records the versions they were made with. On another toolchain the
byte comparison is skipped with a message (the structural tests below still run); regenerate there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from printers import escpos
from printers.preview import preview_png, render_pages
from printers.raster import ink_ratio, raster_to_image, render_qr
from printers.samples import GOLDEN, REFERENCE_LAYOUT, STATUS_URL, Reference, toolchain, write_golden
from printers.ticket import shift_jis

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
IDS = [ref.name for ref in GOLDEN]
TICKETS = [ref for ref in GOLDEN if ref.ticket.kind == "ticket"]  # (a slip's code is no big number)


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    if UPDATE:
        write_golden(GOLDEN_DIR)
    return {ref.name: ref.render() for ref in GOLDEN}


@pytest.mark.parametrize("ref", GOLDEN, ids=IDS)
def test_bytes_match_the_golden_file(ref: Reference, rendered: dict[str, bytes]) -> None:
    recorded = json.loads((GOLDEN_DIR / "toolchain.json").read_text())
    if recorded != toolchain():
        pytest.skip(f"golden files were made with {recorded}, this is {toolchain()}: regenerate with UPDATE_GOLDEN=1")
    expected = (GOLDEN_DIR / f"{ref.name}.bin").read_bytes()
    assert rendered[ref.name] == expected, (
        f"{ref.name} changed ({len(rendered[ref.name])} bytes, golden {len(expected)}); if intended, "
        "check the PNGs (python -m printers.samples --docs docs/tickets) and run UPDATE_GOLDEN=1 pytest"
    )


@pytest.mark.parametrize("ref", GOLDEN, ids=IDS)
def test_starts_with_init_and_ends_with_a_cut(ref: Reference, rendered: dict[str, bytes]) -> None:
    data = rendered[ref.name]
    assert data.startswith(b"\x1b@")
    ops = escpos.decode(data)
    assert not any(isinstance(op, escpos.Unknown) for op in ops)
    assert isinstance(ops[-1], escpos.Cut) and ops[-1].partial
    assert sum(isinstance(op, escpos.Cut) for op in ops) == 1


@pytest.mark.parametrize("ref", GOLDEN, ids=IDS)
def test_rasters_are_as_wide_as_the_paper(ref: Reference, rendered: dict[str, bytes]) -> None:
    rasters = [op for op in escpos.decode(rendered[ref.name]) if isinstance(op, escpos.Raster)]
    assert rasters, "the number and the QR code are raster images in every mode"
    width_bytes = ref.profile.dots // 8
    header = b"\x1dv0\x00" + bytes((width_bytes, 0))
    assert header in rendered[ref.name]
    assert all(op.width_bytes == width_bytes and 0 < op.height <= escpos.MAX_RASTER_ROWS for op in rasters)


@pytest.mark.parametrize("ref", GOLDEN, ids=IDS)
def test_text_is_never_question_marks_or_gb18030(ref: Reference, rendered: dict[str, bytes]) -> None:
    data = rendered[ref.name]
    texts = b"".join(op.data for op in escpos.decode(data) if isinstance(op, escpos.Text))
    assert b"?" not in texts
    for word in ("福津市役所", "カード交付", "受付番号", "お待ちの方"):
        gb = word.encode("gb18030")
        assert gb not in data or gb == word.encode("shift_jis")  # (no word here is the same in both)


def test_raster_mode_sends_no_device_text(rendered: dict[str, bytes]) -> None:
    ops = escpos.decode(rendered["ja-80-raster"])
    assert not [op for op in ops if isinstance(op, escpos.Text)]
    assert b"\x1c&" not in b"".join(op.name.encode() for op in ops if isinstance(op, escpos.Command))


def test_kanji_mode_sends_shift_jis_between_fs_and_and_fs_dot(rendered: dict[str, bytes]) -> None:
    data = rendered["ja-80-kanji"]
    assert b"\x1cC\x01" in data  # Shift_JIS code system
    assert b"\x1c&" + "福津市役所".encode("shift_jis") + b"\x1c." in data
    assert "カード交付".encode("shift_jis") in data
    ops = escpos.decode(data)
    texts = [op.data.decode("shift_jis") for op in ops if isinstance(op, escpos.Text)]
    assert "令和8年11月24日（火） 10:05" in " ".join(texts)


def test_kanji_mode_prints_vietnamese_as_raster_never_as_text(rendered: dict[str, bytes]) -> None:
    data = rendered["vi-58-kanji"]
    assert "福津市役所".encode("shift_jis") in data  # Japanese still device text
    texts = [op.data for op in escpos.decode(data) if isinstance(op, escpos.Text)]
    assert all(shift_jis(t.decode("shift_jis")) == t for t in texts)
    assert not any(b"Nh" in t for t in texts), "Nhận thẻ must be a raster line, not ASCII text"
    ja = next(ref for ref in GOLDEN if ref.name == "ja-80-kanji")
    vi_rasters = sum(isinstance(op, escpos.Raster) for op in escpos.decode(data))
    ja_rasters = sum(isinstance(op, escpos.Raster) for op in escpos.decode(ja.render(REFERENCE_LAYOUT)))
    assert vi_rasters > ja_rasters  # the Vietnamese lines became raster bands


@pytest.mark.parametrize("ref", GOLDEN, ids=IDS)
def test_decoded_ticket_is_a_sane_picture(ref: Reference, rendered: dict[str, bytes]) -> None:
    pages = render_pages(rendered[ref.name], ref.profile.dots)
    assert len(pages) == 1
    page = pages[0]
    assert page.width == ref.profile.dots
    assert 0.04 < ink_ratio(page) < 0.35, "neither blank nor a black smear"
    assert page.height > ref.profile.dots  # a ticket is longer than wide


@pytest.mark.parametrize("ref", TICKETS, ids=[ref.name for ref in TICKETS])
def test_the_number_is_about_a_third_of_the_paper_width(ref: Reference, rendered: dict[str, bytes]) -> None:
    qr = render_qr(STATUS_URL, ref.profile.dots).tobytes("raw", "1;I")
    bands = [_image(op) for op in escpos.decode(rendered[ref.name]) if isinstance(op, escpos.Raster) and op.data != qr]
    number = max(bands, key=lambda band: _ink_box(band)[3] - _ink_box(band)[1])
    left, top, right, bottom = _ink_box(number)
    assert bottom - top >= ref.profile.dots * 0.3, "about a third of the paper width tall"
    assert right - left > ref.profile.dots * 0.6, "and wide"
    assert left > 0 and right < number.width, "nothing touches the paper edge"


@pytest.mark.parametrize("ref", GOLDEN, ids=IDS)
def test_the_qr_code_is_printed_whole_with_its_quiet_zone(ref: Reference, rendered: dict[str, bytes]) -> None:
    page = render_pages(rendered[ref.name], ref.profile.dots)[0]
    qr = render_qr(STATUS_URL, ref.profile.dots)
    page_rows = _rows(page)
    qr_rows = _rows(qr)
    first_dark = next(i for i, row in enumerate(qr_rows) if not _blank(row))
    assert first_dark >= 4 * 3, "a quiet zone of 4 modules (at least 3 dots each) above the code"
    start = page_rows.index(qr_rows[first_dark]) - first_dark
    assert page_rows[start : start + len(qr_rows)] == qr_rows, "the whole code, row for row"
    box = _ink_box(qr)
    assert box[0] >= first_dark and qr.width - box[2] >= first_dark, "quiet zone left and right too"


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (apt install zbar-tools) not installed")
@pytest.mark.parametrize("ref", GOLDEN, ids=IDS)
def test_the_qr_code_scans(ref: Reference, rendered: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / f"{ref.name}.png"
    path.write_bytes(preview_png(rendered[ref.name], ref.profile.dots))
    found = subprocess.run(["zbarimg", "-q", "--raw", str(path)], capture_output=True, text=True, timeout=60)
    assert found.stdout.strip() == STATUS_URL


def _image(op: escpos.Raster) -> Image.Image:
    return raster_to_image(op.width_bytes, op.height, op.data)


def _ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    box = image.point(lambda v: 255 - v).getbbox()
    assert box is not None, "blank band"
    return box


def _rows(image: Image.Image) -> list[bytes]:
    data = image.tobytes()
    stride = (image.width + 7) // 8
    return [data[y * stride : (y + 1) * stride] for y in range(image.height)]


def _blank(row: bytes) -> bool:
    return row == b"\xff" * len(row)
