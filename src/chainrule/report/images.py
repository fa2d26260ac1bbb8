"""Pictures as ``data:`` URIs, so report.html needs no other file: PNG (a small encoder), SVG, matplotlib figures."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import Any

import numpy as np


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def png_bytes(pixels: Any) -> bytes:
    """Encode a uint8 array (H, W) grey or (H, W, 3) RGB as a PNG file (NumPy and zlib only)."""
    a = np.ascontiguousarray(pixels, dtype=np.uint8)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] != 3):
        raise ValueError(f"png_bytes: expected an (H, W) or (H, W, 3) array, got shape {a.shape}")
    height, width = a.shape[:2]
    rows = a.reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()  # filter byte 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 0 if a.ndim == 2 else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def grey_uri(image: Any) -> str:
    """A float image in [0, 1] (H, W) as a PNG data URI."""
    pixels = np.clip(np.asarray(image, dtype=np.float64) * 255 + 0.5, 0, 255).astype(np.uint8)
    return data_uri(png_bytes(pixels), "image/png")


def figure_uri(fig: Any, dpi: int = 90) -> str:
    """A matplotlib Figure rendered to PNG, as a data URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return data_uri(buffer.getvalue(), "image/png")


def svg_uri(svg: bytes) -> str:
    return data_uri(svg, "image/svg+xml")
