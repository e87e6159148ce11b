"""Turn a user's picture (PNG, JPEG, ...) into a sample shaped like the datasets' samples.

The datasets draw ink = 1 on background = 0, with the glyph scaled to fit a box and
centred in its frame (MNIST's recipe: the longer side fills 20 of 28 pixels, then the
centre of mass goes to the frame's centre). ``load_image`` applies the same recipe to
any picture, whichever way round its ink is, so a photo of a letter on paper and a
white-on-black screenshot both give what the model saw in training.

``fit_to_frame`` is also what ``fonts.py`` uses to place its rendered glyphs, so the
two cannot drift apart.
"""

from __future__ import annotations

import os
from typing import BinaryIO

import numpy as np

from .._optional import require

MNIST_FILL = 20 / 28  # the glyph's longer side fills this fraction of the frame
MIN_CONTRAST = 0.1  # ink and background brightness closer than this: the picture is blank


def default_fill(size: tuple[int, int]) -> float:
    """MNIST's 20/28 margin for frames of 16 px and more; tiny frames (6x6 O/X, 8x8 digits) use all pixels."""
    return MNIST_FILL if min(size) >= 16 else 1.0


def _as_size(size: int | tuple[int, int]) -> tuple[int, int]:
    pair = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if len(pair) != 2 or any(not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1 for v in pair):
        raise ValueError(f"size must be a positive int or a pair (H, W) of positive ints, received {size!r}")
    return int(pair[0]), int(pair[1])


def to_ink(gray: np.ndarray) -> np.ndarray:
    """Map a grayscale picture to ink = 1 on background = 0, whichever its polarity.

    Shape: (h, w) float in [0, 1] (0 = black) -> (h, w) float32 in [0, 1].
    The border's median brightness is taken as the paper: light paper means dark ink,
    so the picture is inverted. Levels within 15% of the paper (texture, JPEG ringing)
    become 0, and the darkest ink is stretched to 1.
    """
    border = np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])
    paper = float(np.median(border))
    ink = (1.0 - gray) if paper > 0.5 else gray.astype(np.float64)
    paper = min(paper, 1.0 - paper)
    top = float(ink.max())
    if top - paper < MIN_CONTRAST:
        raise ValueError(f"the picture looks blank: its ink differs from its background by only "
                         f"{top - paper:.3f} (need {MIN_CONTRAST})")
    floor = paper + 0.15 * (top - paper)
    return np.clip((ink - floor) / (top - floor), 0.0, 1.0).astype(np.float32)


def fit_to_frame(ink: np.ndarray, size: int | tuple[int, int] = (28, 28), fill: float | None = None) -> np.ndarray:
    """Crop to the ink's bounding box, scale it to fit the box, centre it by mass in the frame.

    Shape: (h, w) float in [0, 1], ink > 0 -> (H, W) float32 in [0, 1].
    The longer side of the ink becomes ``fill * H`` (or ``fill * W``) pixels, the aspect
    ratio is kept, and the glyph is moved so its centre of mass lies at the frame's centre
    (clamped so no ink leaves the frame). ``fill=None`` means ``default_fill(size)``.
    """
    Image = require("PIL.Image", "images")
    H, W = _as_size(size)
    fill = default_fill((H, W)) if fill is None else float(fill)
    if not 0 < fill <= 1:
        raise ValueError(f"fill must lie in (0, 1], received {fill!r}")
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        raise ValueError("fit_to_frame: the image holds no ink (all zeros)")
    crop = np.ascontiguousarray(ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], dtype=np.float32)
    h, w = crop.shape
    scale = min(fill * H / h, fill * W / w)
    gh, gw = min(H, max(1, round(h * scale))), min(W, max(1, round(w * scale)))
    glyph = Image.fromarray(crop).resize((gw, gh), Image.Resampling.LANCZOS)
    glyph = np.clip(np.asarray(glyph, np.float32), 0.0, 1.0)  # Lanczos rings slightly below 0 and above 1
    mass = glyph.sum()
    cy = (glyph.sum(axis=1) @ np.arange(gh)) / mass if mass > 0 else (gh - 1) / 2
    cx = (glyph.sum(axis=0) @ np.arange(gw)) / mass if mass > 0 else (gw - 1) / 2
    top = int(np.clip(round((H - 1) / 2 - cy), 0, H - gh))
    left = int(np.clip(round((W - 1) / 2 - cx), 0, W - gw))
    frame = np.zeros((H, W), np.float32)
    frame[top:top + gh, left:left + gw] = glyph
    return frame


def _read_gray(Image, ImageOps, source) -> np.ndarray:
    """Decode ``source`` to (h, w) float32 brightness in [0, 1] (0 = black)."""
    with Image.open(source) as img:
        img = ImageOps.exif_transpose(img)  # phone photos store their rotation in EXIF
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            alpha = np.asarray(img.convert("RGBA"), np.float32)[..., 3] / 255.0
            border = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
            if np.median(border) < 0.5:
                # A canvas export: opaque strokes on a transparent ground, whatever their colour.
                # Opacity is the ink, so show it as dark ink on light paper.
                return 1.0 - alpha
        return _gray(img)


def _gray(img) -> np.ndarray:
    return np.asarray(img.convert("L"), np.float32) / 255.0


def load_image(path: str | os.PathLike | BinaryIO, size: int | tuple[int, int] = (28, 28), *,
               fill: float | None = None) -> np.ndarray:
    """Read a picture file and make it one model input.

    Shape: file -> (1, 1, H, W) float32 in [0, 1], ink = 1 on background = 0,
    the glyph fitted and centred like the datasets' samples (see ``fit_to_frame``).
    ``path`` may also be an open binary file (e.g. ``io.BytesIO`` of an upload).
    Raises FileNotFoundError for a missing file and ValueError for a file that is not a
    readable image or shows no ink.
    """
    Image = require("PIL.Image", "images")
    ImageOps = require("PIL.ImageOps", "images")
    size = _as_size(size)
    if isinstance(path, (str, os.PathLike)):
        if not os.path.exists(path):
            raise FileNotFoundError(f"image file {os.fspath(path)!r} does not exist")
        if not os.path.isfile(path):
            raise ValueError(f"{os.fspath(path)!r} is not a file")
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else "the uploaded file"
    try:
        gray = _read_gray(Image, ImageOps, path)
    except Image.UnidentifiedImageError as e:
        raise ValueError(f"{name!r} is not an image Pillow can read (PNG, JPEG, BMP, GIF, ...)") from e
    except (OSError, SyntaxError) as e:  # a truncated or corrupt image fails while decoding
        raise ValueError(f"{name!r} could not be decoded as an image: {e}") from e
    try:
        ink = to_ink(gray)
    except ValueError as e:
        raise ValueError(f"{name!r}: {e}") from None
    return fit_to_frame(ink, size, fill)[None, None]
