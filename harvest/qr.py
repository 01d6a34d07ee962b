"""QR codes of links: the board's and the per-table codes (PNG), and the poster's (image).

>>> qr_png("http://192.168.1.20:8501/?t=abc").startswith(b"\\x89PNG")
True
"""

from __future__ import annotations

import base64
import io
from typing import Any

from harvest.conceptmap.style import stage_colors

__all__ = ["qr_data_uri", "qr_image", "qr_png"]

DARK_BACKGROUND = stage_colors(dark=True)["bg"]
"""The projector's dark background (presentation mode), so the code sits on the board."""


def qr_image(url: str, *, dark: bool = False, box_size: int = 10, border: int = 2) -> Any:
    """The QR code of ``url`` as qrcode's PIL image (error correction M: a projected code
    still reads with a smudge or a glare); black on white is a 1-bit image, a small PNG."""
    import qrcode

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border
    )
    code.add_data(url)
    fill, back = ("white", DARK_BACKGROUND) if dark else ("black", "white")
    return code.make_image(fill_color=fill, back_color=back)


def qr_png(url: str, *, dark: bool = False) -> bytes:
    """The QR code of ``url`` as PNG bytes (light: black on white; dark: white on the
    projector's dark background)."""
    buffer = io.BytesIO()
    qr_image(url, dark=dark).save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_uri(url: str, *, dark: bool = False) -> str:
    """``qr_png`` as a ``data:`` URI, for a page that shows it without a media file."""
    return "data:image/png;base64," + base64.b64encode(qr_png(url, dark=dark)).decode("ascii")
