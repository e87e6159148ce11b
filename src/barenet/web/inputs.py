"""Strict checks of what a client sends to ``POST /api/predict``, and its decoding.

A body is a JSON object with exactly one of two fields:

- ``{"image": "data:image/png;base64,..."}``: a PNG data URL of a drawing, at most
  ``MAX_IMAGE_PIXELS`` pixels and ``MAX_IMAGE_SIDE`` a side, either polarity or ink on a
  transparent ground. It is fitted and centred as the datasets' samples are
  (``barenet.data.images.load_image``).
- ``{"pixels": [[...], ...]}``: the model input itself, an H x W list of lists of numbers
  in [0, 1] with ink = 1, at the model's input size; used as is.

Everything else is refused with a ``RequestError`` that names the problem and carries
the HTTP status to answer with (400, or 413 for a body or a picture that is too large).

A picture's cost is its pixel count, not its file size: a 100 KB PNG can declare 4096 x 4096
pixels, about 0.5 GB once decoded and converted. So ``png_size`` reads the width and height
from the PNG's header chunk, and walks the chunk list without inflating anything, before
Pillow decodes a byte; a picture over the limit, or one that carries compressed metadata
(``zTXt``, ``iTXt``, ``iCCP``, which Pillow would inflate), is refused there.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from typing import Any

import numpy as np

from .._jsonable import MAX_INT_DIGITS, bounded_int
from .._optional import require

MAX_BODY_BYTES = 2 * 1024 * 1024  # a 280x280 canvas PNG is about 10 KB; 28x28 pixels about 5 KB
MAX_IMAGE_SIDE = 4096  # refuse decompression bombs before decoding: a PNG's size is in its header
# The page's canvas is 280 x 280 (78,400 pixels); 1 Mpx leaves room for high-DPI exports and
# bounds one decode to about 40 MB (RGBA, then float32 and float64 copies in load_image).
MAX_IMAGE_PIXELS = 1 << 20
COMPRESSED_CHUNKS = (b"zTXt", b"iTXt", b"iCCP")  # metadata Pillow would inflate: refused
PNG_PREFIX = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIELDS = ("image", "pixels")


class RequestError(ValueError):
    """A request the server refuses: ``status`` and extra ``headers`` to answer with."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def check_length(header: str | None, limit: int = MAX_BODY_BYTES) -> int:
    """The body length from a Content-Length header, checked before anything is read."""
    if header is None:
        raise RequestError("send the JSON body with a Content-Length header", status=411)
    if not header.strip().isdigit():
        raise RequestError(f"Content-Length must be a whole number of bytes, received {header!r}")
    length = int(header)
    if length > limit:
        raise RequestError(f"the body is {length} bytes; the limit is {limit} bytes", status=413)
    if length == 0:
        raise RequestError('the body is empty; send a JSON object such as {"pixels": [[...]]}')
    return length


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _bounded_int(text: str) -> int:
    return bounded_int(text, lambda digits: RequestError(
        f"the body holds a whole number with {digits} digits; numbers may have at most {MAX_INT_DIGITS} "
        "(pixels lie in [0, 1])"))


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``, holding exactly one of the fields ``image`` and ``pixels``."""
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constants, parse_int=_bounded_int)
    except RequestError:
        raise
    except UnicodeDecodeError:
        raise RequestError("the body is not UTF-8 text") from None
    except RecursionError:
        raise RequestError("the JSON is nested too deeply") from None
    except ValueError as e:
        raise RequestError(f"the body is not valid JSON: {e}") from None
    if not isinstance(body, dict):
        raise RequestError(f"the body must be a JSON object, received a JSON {_json_type(body)}")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise RequestError(f"unknown field(s) {', '.join(map(repr, unknown))}; send one of 'image' or 'pixels'")
    given = [f for f in FIELDS if f in body]
    if len(given) != 1:
        raise RequestError("send exactly one of the fields 'image' (a PNG data URL) or 'pixels' (H x W numbers)")
    return body


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _short(value: Any, limit: int = 24) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def model_input(body: dict[str, Any], size: tuple[int, int]) -> np.ndarray:
    """One model input from a checked body. Shape: -> (1, 1, H, W) float32, ink = 1."""
    if "image" in body:
        return image_input(body["image"], size)
    return pixels_input(body["pixels"], size)


def pixels_input(pixels: Any, size: tuple[int, int]) -> np.ndarray:
    """Check an H x W list of lists of numbers in [0, 1]. Shape: -> (1, 1, H, W) float32."""
    H, W = size
    if not isinstance(pixels, list):
        raise RequestError(f"'pixels' must be an array of {H} arrays of {W} numbers, "
                           f"received a JSON {_json_type(pixels)}")
    for i, row in enumerate(pixels):
        if not isinstance(row, list):
            raise RequestError(f"'pixels'[{i}] must be an array of {W} numbers, received a JSON {_json_type(row)}")
    lengths = sorted({len(row) for row in pixels})
    if len(pixels) != H or lengths != [W]:
        raise RequestError(f"'pixels' must be {H} rows of {W} numbers (the model's input size), "
                           f"received {len(pixels)} rows of lengths {lengths}")
    for i, row in enumerate(pixels):
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise RequestError(f"'pixels'[{i}][{j}] must be a number, received a JSON {_json_type(v)}")
            if not 0.0 <= v <= 1.0:  # also refuses inf (1e400 parses as inf) and NaN
                raise RequestError(f"'pixels'[{i}][{j}] is {_short(v)}; values must lie in [0, 1] (ink = 1)")
    return np.asarray(pixels, dtype=np.float32)[None, None]


def png_bytes(url: Any) -> bytes:
    """The PNG file inside a ``data:image/png;base64,...`` URL, its signature checked."""
    if not isinstance(url, str):
        raise RequestError(f"'image' must be a string data URL, received a JSON {_json_type(url)}")
    if not url.startswith(PNG_PREFIX):
        raise RequestError(f"'image' must be a PNG data URL starting with {PNG_PREFIX!r}")
    try:
        raw = base64.b64decode(url[len(PNG_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise RequestError("'image' holds invalid base64 after the data URL prefix") from None
    if not raw.startswith(PNG_SIGNATURE):
        raise RequestError("'image' is not a PNG file (its first bytes are not the PNG signature)")
    return raw


def png_size(raw: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, after checking every chunk's frame; nothing is inflated.

    Raises RequestError (413) for a picture over ``max_pixels`` or ``MAX_IMAGE_SIDE`` a side,
    and (400) for a damaged chunk list or compressed metadata chunks.
    """
    if raw[12:16] != b"IHDR" or len(raw) < 33 or int.from_bytes(raw[8:12], "big") != 13:
        raise RequestError("'image' is not a PNG that can be read (its header chunk is missing or damaged)")
    width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
    if max(width, height) > MAX_IMAGE_SIDE or width * height > max_pixels:
        raise RequestError(f"'image' is {width}x{height} pixels; the limit is {max_pixels} pixels and "
                           f"{MAX_IMAGE_SIDE} a side (the page's canvas is 280x280)", status=413)
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(raw):  # each chunk: length (4), type (4), data, CRC (4)
        length, kind = int.from_bytes(raw[at:at + 4], "big"), raw[at + 4:at + 8]
        if kind in COMPRESSED_CHUNKS:
            raise RequestError(f"'image' carries a compressed {kind.decode('latin-1')!r} chunk; "
                               "send the canvas's plain PNG export")
        at += 12 + length
        if kind == b"IEND":
            break
    return width, height


def image_input(url: Any, size: tuple[int, int], max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """Decode a PNG data URL and fit its ink to the model's input. Shape: -> (1, 1, H, W).

    The size is checked from the PNG header (``png_size``) before anything is decoded.
    """
    raw = png_bytes(url)
    png_size(raw, max_pixels)
    Image = require("PIL.Image", "web")
    from ..data.images import load_image

    try:
        return load_image(io.BytesIO(raw), size=size)
    except (ValueError, OSError, Image.DecompressionBombError) as e:
        message = str(e).replace("'the uploaded file': ", "").replace("'the uploaded file'", "it")
        raise RequestError(f"'image': {message}") from None
