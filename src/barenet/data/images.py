"""Turn a user's picture (PNG, JPEG, ...) into a sample shaped like the datasets' samples.

The datasets draw ink = 1 on background = 0, with the glyph scaled to fit a box and
centred in its frame (MNIST's recipe: the longer side fills 20 of 28 pixels, then the
centre of mass goes to the frame's centre). ``load_image`` applies the same recipe to
any picture, whichever way round its ink is, so a photo of a letter on paper and a
white-on-black screenshot both give what the model saw in training.

``fit_to_frame`` is also what ``fonts.py`` uses to place its rendered glyphs, so the
two cannot drift apart.

Reading a file, in order: the header's size is checked against ``MAX_PIXELS`` before any
decoding (one clear ValueError, no Pillow bomb warning); a large picture is decoded at
reduced size (JPEG's draft mode, else ``reduce``) so its longer side is near ``WORK_SIDE``;
a float or 32-bit int picture (a scientific TIFF) is read by its own range, and refused if a
pixel is NaN or infinite;
a picture with transparency is composited on a plain ground that contrasts with its
opaque pixels; then the polarity is decided (``polarity.ink_is_dark``) unless the caller
says it (``ink="dark"`` or ``"light"``).
"""

from __future__ import annotations

import os
import warnings
from typing import BinaryIO

import numpy as np

from .._optional import require
from .polarity import ink_is_dark, otsu_threshold

MAX_PIXELS = 50_000_000  # refuse pictures larger than this (width x height), read from the header
WORK_SIDE = 1024  # larger pictures are decoded at reduced size, about this long on their longer side
INK_CHOICES = ("auto", "dark", "light")
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


def to_ink(gray: np.ndarray, ink: str = "auto") -> np.ndarray:
    """Map a grayscale picture to ink = 1 on background = 0.

    Shape: (h, w) float in [0, 1] (0 = black) -> (h, w) float32 in [0, 1].
    ``ink`` says which way round the picture is: "dark" (dark ink on light paper), "light",
    or "auto" (``polarity.ink_is_dark`` decides; it holds for tight crops too). The paper's
    level is the median of the pixels on the paper's side of Otsu's threshold; levels within
    15% of it (texture, JPEG ringing) become 0, and the strongest ink is stretched to 1.
    """
    if ink not in INK_CHOICES:
        raise ValueError(f"ink must be one of {', '.join(INK_CHOICES)}, received {ink!r}")
    dark = ink_is_dark(gray) if ink == "auto" else ink == "dark"
    level = (1.0 - gray) if dark else gray.astype(np.float64)  # ink is high from here on
    below = level[level < otsu_threshold(level)]
    paper = float(np.median(below)) if below.size else float(level.min())
    top = float(level.max())
    if top - paper < MIN_CONTRAST:
        raise ValueError(f"the picture looks blank: its ink differs from its background by only "
                         f"{top - paper:.3f} (need {MIN_CONTRAST})")
    floor = paper + 0.15 * (top - paper)
    return np.clip((level - floor) / (top - floor), 0.0, 1.0).astype(np.float32)


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


class _Refused(ValueError):
    """Our own refusal of a picture (too large, non-finite pixels), which names it: passed on as is."""


def _open_checked(Image, source, name: str):
    """Open ``source`` lazily and check its header's size against MAX_PIXELS before decoding."""
    try:
        img = Image.open(source)
    except Image.DecompressionBombError:
        img = None
    if img is None or img.width * img.height > MAX_PIXELS:
        size = f" ({img.width} x {img.height})" if img is not None else ""
        if img is not None:
            img.close()
        raise _Refused(f"{name!r} is too large{size}: pictures may have at most {MAX_PIXELS:,} pixels; "
                        f"scale it down first")
    return img


def _decode_small(Image, img):
    """Decode, at reduced size when the picture is much larger than WORK_SIDE."""
    k = max(img.width, img.height) // WORK_SIDE
    if k >= 2 and img.format == "JPEG":
        img.draft(img.mode, (img.width // k, img.height // k))  # JPEG decodes at 1/2, 1/4 or 1/8 directly
    img.load()
    k = max(img.width, img.height) // WORK_SIDE
    return img.reduce(k) if k >= 2 else img


def _wide_levels(values: np.ndarray, name: str) -> np.ndarray:
    """Brightness in [0, 1] from a float or 32-bit int grey picture, read by its own range.

    Shape: (h, w) -> (h, w) float32. Values that all lie in [0, 1] are brightness as they are,
    values in [0, 255] are 8-bit levels (v / 255), and any other range maps its own minimum
    and maximum to 0 and 1. NaN or infinite pixels are refused: they have no brightness.
    """
    bad = ~np.isfinite(values)
    if bad.any():
        raise _Refused(f"{name!r} holds {int(bad.sum())} NaN or infinite pixel(s); "
                         f"a picture's pixels must be finite numbers")
    lo, hi = float(values.min()), float(values.max())
    if lo >= 0.0 and hi <= 1.0:
        return values.astype(np.float32)
    if lo >= 0.0 and hi <= 255.0:
        return (values / 255.0).astype(np.float32)
    return ((values - lo) / (hi - lo)).astype(np.float32)  # hi > lo: some value lies outside [0, 255]


def _read_gray(Image, ImageOps, source, name: str) -> tuple[np.ndarray, bool | None]:
    """Decode ``source`` to (h, w) float32 brightness in [0, 1] (0 = black).

    Returns (gray, ink_is_dark): a picture with transparency is composited on a plain ground
    chosen to contrast with its opaque pixels, which settles the polarity (the ground is the
    paper); for an opaque picture the polarity is None, still to be decided.
    """
    with _open_checked(Image, source, name) as img:
        img = ImageOps.exif_transpose(_decode_small(Image, img))  # phone photos store their rotation in EXIF
        if img.mode in ("F", "I"):  # 32-bit float or int grey: Pillow's "L" would clip to 0..255
            return _wide_levels(np.asarray(img, np.float64), name), None
        if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
            rgba = np.asarray(img.convert("RGBA"), np.float32) / 255.0
            alpha = rgba[..., 3]
            gray = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601 luma, as Pillow's "L"
            opaque = gray[alpha >= 0.5]
            flat = opaque.size == 0 or float(np.ptp(opaque)) < MIN_CONTRAST
            # A real transparent ground, not a stray pixel; or a shape drawn in alpha alone (one ink
            # colour, cropped so tight that little of the ground is left: a tight "I").
            if (alpha < 0.5).mean() >= 0.01 or (flat and float(np.ptp(alpha)) >= MIN_CONTRAST):
                ink_level = float((alpha * gray).sum() / max(alpha.sum(), 1e-6))
                ground = 1.0 if ink_level < 0.5 else 0.0
                return alpha * gray + (1.0 - alpha) * ground, ground == 1.0
        return np.asarray(img.convert("L"), np.float32) / 255.0, None


def load_image(path: str | os.PathLike | BinaryIO, size: int | tuple[int, int] = (28, 28), *,
               fill: float | None = None, ink: str = "auto") -> np.ndarray:
    """Read a picture file and make it one model input.

    Shape: file -> (1, 1, H, W) float32 in [0, 1], ink = 1 on background = 0,
    the glyph fitted and centred like the datasets' samples (see ``fit_to_frame``).
    ``path`` may also be an open binary file (e.g. ``io.BytesIO`` of an upload).
    ``ink``: "dark", "light" or "auto" (see ``to_ink``; a transparent ground decides "auto").
    Raises FileNotFoundError for a missing file and ValueError for a file that is not a
    readable image, is larger than MAX_PIXELS, or shows no ink.
    """
    Image = require("PIL.Image", "images")
    ImageOps = require("PIL.ImageOps", "images")
    size = _as_size(size)
    if ink not in INK_CHOICES:
        raise ValueError(f"ink must be one of {', '.join(INK_CHOICES)}, received {ink!r}")
    if isinstance(path, (str, os.PathLike)):
        if not os.path.exists(path):
            raise FileNotFoundError(f"image file {os.fspath(path)!r} does not exist")
        if not os.path.isfile(path):
            raise ValueError(f"{os.fspath(path)!r} is not a file")
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else "the uploaded file"
    try:
        with warnings.catch_warnings():
            # Pillow warns about damaged metadata (EXIF, TIFF tags) and huge pictures; our own
            # errors say what matters, and a warning would put extra lines on a CLI's stderr.
            warnings.simplefilter("ignore")
            gray, dark = _read_gray(Image, ImageOps, path, name)
    except _Refused:
        raise
    except Image.UnidentifiedImageError as e:
        raise ValueError(f"{name!r} is not an image Pillow can read (PNG, JPEG, BMP, GIF, ...)") from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:  # a truncated or corrupt image fails while decoding
        raise ValueError(f"{name!r} could not be decoded as an image: {e}") from e
    try:
        if ink == "auto" and dark is not None:
            ink = "dark" if dark else "light"
        level = to_ink(gray, ink)
    except ValueError as e:
        raise ValueError(f"{name!r}: {e}") from None
    return fit_to_frame(level, size, fill)[None, None]
