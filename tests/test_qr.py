"""QR codes of links: PNG bytes that decode back to an image of the right colours."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from harvest.qr import DARK_BACKGROUND, qr_data_uri, qr_image, qr_png

URL = "http://192.168.1.20:8501/?t=abcdefghijklmnopqrstuvwxyz012345"


@pytest.mark.parametrize("dark", [False, True])
def test_qr_png_is_a_square_png_in_the_boards_colours(dark: bool) -> None:
    image = Image.open(io.BytesIO(qr_png(URL, dark=dark))).convert("RGB")
    assert image.width == image.height > 200
    corner = image.getpixel((0, 0))  # the quiet zone: the background
    assert corner == ((0x11, 0x14, 0x18) if dark else (255, 255, 255))
    assert DARK_BACKGROUND == "#111418"


def test_qr_data_uri_carries_the_same_png() -> None:
    uri = qr_data_uri(URL)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == qr_png(URL)


def test_qr_image_sizes_by_box_and_border_and_differs_per_link() -> None:
    small = qr_image(URL, box_size=8, border=1).convert("RGB")
    large = qr_image(URL).convert("RGB")
    assert small.width < large.width
    assert qr_png(URL) != qr_png(URL + "x")
