"""The certificate PDF: bilingual text in the shipped Chinese font, QR code, page breaks.

The PDF is read back with a small reader below (objects, Flate streams, the fonts' ToUnicode maps,
the CCITT-encoded QR image), so the assertions are about the bytes a viewer would get, without a
PDF library the project does not otherwise need.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import replace
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import segno
from PIL import Image

from openciq.declarations.pdf import (
    FONT_DIR,
    CertificateLine,
    CertificateView,
    ContainerSeal,
    Party,
    _units,
    render_certificate_pdf,
)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
URL = "https://ciq.example.gov.cn/certificates/verify/GZ2026EC000001?k=3f9a1c0b7d2e4a65"
CONSIGNOR = "广州市绿源蔬菜进出口有限公司"
CONSIGNEE = "香港新鮮蔬菜批發有限公司"  # traditional characters, outside GB 2312

LINES = [
    CertificateLine(
        "新鲜菜心（Choy sum, fresh）",
        "0709.99.90",
        Decimal("1200"),
        "箱 CT",
        Decimal("12000"),
        "广东省惠州市博罗县蔬菜种植基地 备案号 4413GAP0012",
        "BL-2026-0305-01",
    ),
    CertificateLine(
        "新鲜番茄 Fresh tomatoes",
        "0702.00.00",
        Decimal("800"),
        "箱 CT",
        Decimal("8000.5"),
        "广州市从化区鳌头镇绿源种植基地",
        "CH-0305-02",
    ),
    CertificateLine("姜 Ginger", "0910.11.00", Decimal("20"), "袋 BG", Decimal("500")),
]

VIEW = CertificateView(
    number="GZ2026EC000001",
    kind_zh="植物检疫证书",
    kind_en="Phytosanitary certificate",
    status="issued",
    issued_at=dt.datetime(2026, 3, 5, 6, 30, tzinfo=dt.UTC),
    valid_until=dt.date(2026, 4, 4),
    issuer_zh="中华人民共和国广东出入境检验检疫局",
    issuer_en="Guangdong Entry-Exit Inspection and Quarantine Bureau of the People's Republic of China",
    consignor=Party(
        CONSIGNOR, "广东省广州市从化区鳌头镇工业大道 88 号 No. 88 Gongye Avenue, Conghua, Guangzhou"
    ),
    consignee=Party(
        f"{CONSIGNEE} Hong Kong Fresh Vegetables Wholesale Ltd.",
        "香港九龍深水埗長沙灣道 303 號 303 Cheung Sha Wan Road, Sham Shui Po, Kowloon, Hong Kong",
    ),
    destination_country="中国香港 Hong Kong, China",
    port_of_exit="皇岗口岸 Huanggang (Shenzhen)",
    transport_mode="公路运输 Road transport",
    transport_means="粤Z·A1234港 跨境货车 cross-border truck",
    containers=[ContainerSeal("CSQU3054383", "CN2026000123"), ContainerSeal("MSKU1234565")],
    lines=LINES,
    additional_declarations=[
        "该批货物来自经备案的种植基地。 The consignment comes from registered planting bases.",
        "货物经检疫未发现检疫性有害生物。 No quarantine pests were found.",
    ],
    statement_zh="兹证明上述植物、植物产品或其他检疫物已经按照规定程序进行检查和/或检验。",
    statement_en="This is to certify that the plants described herein have been inspected according to "
    "appropriate official procedures.",
    signatory_name="李明 LI Ming",
    signatory_place="广州 Guangzhou",
    key_id="3f9a1c0b7d2e4a65",
    replaces_number="GZ2026EC000000",
)


# --- a small PDF reader -----------------------------------------------------------------------


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (dictionary text, decoded stream or None)."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for match in re.finditer(rb"(\d+) 0 obj\n", pdf):
        start = match.end()
        head_end = pdf.find(b"\nstream\n", start)
        obj_end = pdf.find(b"endobj", start)
        if head_end == -1 or head_end > obj_end:
            objects[int(match.group(1))] = (pdf[start:obj_end], None)
            continue
        head = pdf[start:head_end]
        length = int(re.search(rb"/Length (\d+)", head).group(1))  # type: ignore[union-attr]
        data = pdf[head_end + 8 : head_end + 8 + length]
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        objects[int(match.group(1))] = (head, data)
    return objects


def _ref(head: bytes, name: bytes) -> int:
    return int(re.search(rb"/" + name + rb" (\d+) 0 R", head).group(1))  # type: ignore[union-attr]


def _unescape(literal: bytes) -> bytes:
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match: re.Match[bytes]) -> bytes:
        body = match.group(1)
        if body[:1].isdigit():
            return bytes([int(body, 8)])
        return escapes.get(body, body)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _to_unicode(cmap: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar\n(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return mapping


def _page_texts(pdf: bytes) -> list[str]:
    """The text of each page, in page order: one line per text object (BT ... ET)."""
    objects = _objects(pdf)
    pages_head = next(head for head, _ in objects.values() if b"/Type /Pages" in head)
    kids = [int(n) for n in re.findall(rb"(\d+) 0 R", pages_head.split(b"/Kids")[1].split(b"]")[0])]
    texts = []
    for kid in kids:
        head = objects[kid][0]
        resources = objects[_ref(head, b"Resources")][0]
        fonts = {
            name.decode(): _to_unicode(objects[_ref(objects[int(num)][0], b"ToUnicode")][1] or b"")
            for name, num in re.findall(rb"/(F\d+) (\d+) 0 R", resources)
        }
        content = objects[_ref(head, b"Contents")][1] or b""
        texts.append(_show_text(content, fonts))
    return texts


def _show_text(content: bytes, fonts: dict[str, dict[int, str]]) -> str:
    lines: list[str] = []
    current: dict[int, str] = {}
    token = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)|\bET\b", re.S)
    line = ""
    for match in token.finditer(content):
        if match.group(1):
            current = fonts[match.group(1).decode()]
        elif match.group(0) == b"ET":
            lines.append(line)
            line = ""
        else:
            raw = _unescape(match.group(2))
            codes = struct.unpack(f">{len(raw) // 2}H", raw)
            line += "".join(current.get(code, "\ufffd") for code in codes)
    return "\n".join(lines)


def _qr_modules_in_pdf(pdf: bytes) -> list[list[bool]]:
    """Decode the one CCITT G4 image (the QR code) through Pillow's TIFF reader and read one
    pixel in the middle of each module: True where the module is dark."""
    images = [(h, d) for h, d in _objects(pdf).values() if b"/Subtype /Image" in h]
    assert len(images) == 1
    head, data = images[0]
    assert b"/CCITTFaxDecode" in head and b"/BlackIs1 true" in head and b"/K -1" in head
    width = int(re.search(rb"/Width (\d+)", head).group(1))  # type: ignore[union-attr]
    height = int(re.search(rb"/Height (\d+)", head).group(1))  # type: ignore[union-attr]
    assert data is not None
    # A one-strip TIFF around the Group 4 data: width, height, 1 bit, G4, BlackIsZero (the
    # orientation in which fpdf2's BlackIs1 data reads as drawn; the quiet-zone check below fails
    # if it were read inverted), strip offset, rows per strip, strip length.
    tags = [
        (256, width),
        (257, height),
        (258, 1),
        (259, 4),
        (262, 1),
        (273, 0),
        (278, height),
        (279, len(data)),
    ]
    ifd_size = 2 + 12 * len(tags) + 4
    entries = b"".join(
        struct.pack("<HHII", tag, 4, 1, 8 + ifd_size if tag == 273 else value) for tag, value in tags
    )
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(tags)) + entries + b"\0\0\0\0" + data
    image = Image.open(BytesIO(tiff)).convert("L")
    assert image.size == (width, height)
    pixels = image.tobytes()  # one byte per pixel, row by row

    def dark(x: int, y: int) -> bool:
        return pixels[y * width + x] < 128

    scale, border = 8, 4  # as qr_png draws it
    modules = width // scale - 2 * border
    quiet = [dark(x, y) for x in range(width) for y in range(border * scale)]
    assert not any(quiet), "the quiet zone must be light, else the image is being read inverted"
    middle = [(border + n) * scale + scale // 2 for n in range(modules)]
    return [[dark(x, y) for x in middle] for y in middle]


@pytest.fixture(scope="module")
def sample() -> bytes:
    return render_certificate_pdf(VIEW, verify_url=URL)


# --- tests ------------------------------------------------------------------------------------


def test_output_is_a_pdf(sample: bytes) -> None:
    assert sample.startswith(b"%PDF-")
    assert sample.rstrip().endswith(b"%%EOF")


def test_text_contains_chinese_names_number_and_labels(sample: bytes) -> None:
    pages = _page_texts(sample)
    text = "\n".join(pages)

    assert CONSIGNOR in text
    assert CONSIGNEE in text
    assert "GZ2026EC000001" in text
    for expected in (
        "中华人民共和国广东出入境检验检疫局",
        "植物检疫证书",
        "PHYTOSANITARY CERTIFICATE",
        "发货人",
        "Consignor",
    ):
        assert expected in text
    assert "本证书替代第 GZ2026EC000000 号证书" in text
    assert "2026-03-05 14:30 (UTC+8)" in text  # 06:30 UTC shown in Asia/Shanghai
    assert "20,500.5" in text  # total net weight
    assert "\ufffd" not in text
    assert [f"第 {n} 页 / Page {n} of {len(pages)}" in page for n, page in enumerate(pages, 1)] == [
        True
    ] * len(pages)


def test_url_is_printed_beneath_the_qr_code(sample: bytes) -> None:
    text = "\n".join(_page_texts(sample))
    after = text[text.index("扫码核验 Scan to verify") :]

    assert URL in after.replace("\n", "")


def test_fonts_are_the_shipped_noto_sans_sc_and_no_glyph_is_missing(caplog: pytest.LogCaptureFixture) -> None:
    rare = replace(VIEW, kind_zh="植物检疫证书（堃）", consignor=Party("深水埗元塱珺堃贸易有限公司", ""))
    with caplog.at_level(logging.WARNING):
        pdf = render_certificate_pdf(rare, verify_url=URL)

    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    assert sorted(set(re.findall(rb"/BaseFont /[A-Z]{6}\+(\w+)", pdf))) == [b"NotoSansSC", b"NotoSansSCBold"]
    text = "\n".join(_page_texts(pdf))
    assert "植物检疫证书（堃）" in text  # a Bold title character beyond GB 2312 falls back to Regular
    assert "深水埗元塱珺堃贸易有限公司" in text
    assert (FONT_DIR / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1


def test_qr_code_in_pdf_is_the_verify_url_at_level_m(sample: bytes) -> None:
    expected = segno.make(URL, error="m", boost_error=False, micro=False)

    modules = _qr_modules_in_pdf(sample)

    assert expected.error == "M"
    assert modules == [[bool(bit) for bit in row] for row in expected.matrix]


def test_qr_code_on_the_rendered_page_decodes_to_the_url(sample: bytes, tmp_path: Path) -> None:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)")
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(sample)
    last = str(len(_page_texts(sample)))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", last, "-l", last, str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (page,) = tmp_path.glob("page-*.png")

    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, timeout=60, check=True
    )

    assert result.stdout.decode().strip() == URL


def test_many_lines_break_pages_and_repeat_the_table_heading() -> None:
    lines = [replace(LINES[n % 3], lot=f"LOT-{n:03d}") for n in range(1, 81)]

    pages = _page_texts(render_certificate_pdf(replace(VIEW, lines=lines), verify_url=URL))

    assert len(pages) >= 3
    with_lines = [page for page in pages if "LOT-" in page]
    assert len(with_lines) >= 2
    assert all("货物描述" in page and "Description" in page for page in with_lines)
    assert all(f"LOT-{n:03d}" in "\n".join(pages) for n in range(1, 81))
    assert "扫码核验 Scan to verify" in pages[-1]
    assert f"第 {len(pages)} 页 / Page {len(pages)} of {len(pages)}" in pages[-1]


def test_certificate_not_in_force_is_stamped_on_every_page(sample: bytes) -> None:
    pages = _page_texts(render_certificate_pdf(replace(VIEW, status="revoked"), verify_url=URL))

    assert all("已撤销" in page and "REVOKED" in page for page in pages)
    assert "REVOKED" not in "\n".join(_page_texts(sample))


def test_same_view_gives_same_bytes(sample: bytes) -> None:
    assert render_certificate_pdf(VIEW, verify_url=URL) == sample


def test_naive_issue_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        render_certificate_pdf(replace(VIEW, issued_at=dt.datetime(2026, 3, 5, 14, 30)), verify_url=URL)


def test_lines_break_between_chinese_characters_and_at_spaces_only_between_words() -> None:
    assert _units("广州 Fresh tomatoes，番茄。") == ["广", "州 ", "Fresh ", "tomatoes，", "番", "茄。"]
    assert _units("BL-2026/01") == ["BL-", "2026/", "01"]


def test_sample_artifact(sample: bytes) -> None:
    """Keep a sample to look at (and a PNG of its first page when poppler-utils is installed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "certificate-sample.pdf"
    target.write_bytes(sample)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "100",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(target),
                str(ARTIFACTS / "certificate-sample"),
            ],
            check=True,
            timeout=120,
        )
    assert target.stat().st_size == len(sample)
