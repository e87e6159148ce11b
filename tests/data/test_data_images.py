"""load_image on real PNG and JPEG files written here with Pillow."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from barenet.data import load_image
from barenet.data.images import fit_to_frame, to_ink


def draw(fg, bg, mode="L", size=(120, 90)):
    """An "L" stroke plus a dot at its top right, on a canvas larger than 28x28 and not square."""
    img = Image.new(mode, size, bg)
    d = ImageDraw.Draw(img)
    d.line([(30, 15), (30, 75), (70, 75)], fill=fg, width=8)
    d.ellipse([80, 10, 95, 25], fill=fg)
    return img


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pictures")
    paths = {}
    for polarity, fg, bg in [("dark-on-light", 20, 235), ("light-on-dark", 240, 10)]:
        for ext in ("png", "jpg"):
            paths[polarity, ext] = folder / f"{polarity}.{ext}"
            draw(fg, bg).save(paths[polarity, ext])
    return paths


def check_sample(x, H=28, W=28):
    assert x.shape == (1, 1, H, W) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    img = x[0, 0]
    assert img[0].max() < 0.05 and img[:, 0].max() < 0.05  # background -> 0 (left and top edges are blank)
    assert 0.03 < (img > 0.5).mean() < 0.3  # the stroke is ink, not the paper


@pytest.mark.parametrize("polarity", ["dark-on-light", "light-on-dark"])
@pytest.mark.parametrize("ext", ["png", "jpg"])
def test_polarity_is_normalized(files, polarity, ext):
    x = load_image(files[polarity, ext])
    check_sample(x)
    img = x[0, 0]
    # Orientation kept: the "L"'s vertical stroke is at the left, its foot at the bottom.
    rows, cols = np.nonzero(img > 0.5)
    left_col, bottom_row = np.bincount(cols).argmax(), np.bincount(rows).argmax()
    assert left_col < 14 and bottom_row > 14


def test_both_polarities_and_formats_agree(files):
    ref = load_image(files["dark-on-light", "png"])
    assert np.array_equal(ref, load_image(files["light-on-dark", "png"]))  # exact: inverted grey levels
    for key in [("dark-on-light", "jpg"), ("light-on-dark", "jpg")]:
        assert np.abs(load_image(files[key]) - ref).mean() < 0.02  # JPEG artefacts only


def test_fitted_and_centred_like_mnist(files):
    img = load_image(files["dark-on-light", "png"])[0, 0]
    rows, cols = np.nonzero(img > 0.5)
    height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
    assert 19 <= max(height, width) <= 21  # the longer side fills 20 of 28 pixels
    assert abs(height - width) <= 2  # the drawing's bounding box is about square: aspect kept
    mass = img.sum()
    cy, cx = img.sum(axis=1) @ np.arange(28) / mass, img.sum(axis=0) @ np.arange(28) / mass
    assert abs(cy - 13.5) < 1 and abs(cx - 13.5) < 1  # centre of mass at the frame's centre


def test_other_sizes(files):
    x = load_image(files["dark-on-light", "png"], size=(20, 12))
    assert x.shape == (1, 1, 20, 12) and x.max() == 1.0
    tiny = load_image(files["light-on-dark", "jpg"], size=6)  # tiny frames: the glyph uses every pixel
    assert tiny.shape == (1, 1, 6, 6) and tiny[0, 0, :, 0].max() > 0.5 and tiny[0, 0, -1].max() > 0.5


def test_transparent_canvas_and_file_object():
    img = draw((0, 0, 0, 255), (0, 0, 0, 0), mode="RGBA")  # black strokes on a transparent ground
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    x = load_image(buf)
    check_sample(x)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_image(tmp_path / "nope.png")


def test_not_an_image(tmp_path):
    p = tmp_path / "notes.png"
    p.write_text("these are not pixels")
    with pytest.raises(ValueError, match="not an image"):
        load_image(p)
    with pytest.raises(ValueError, match="not a file"):
        load_image(tmp_path)


def test_truncated_image(tmp_path, files):
    p = tmp_path / "cut.png"
    p.write_bytes(files["dark-on-light", "png"].read_bytes()[:200])
    with pytest.raises(ValueError, match="could not be decoded"):
        load_image(p)


def test_blank_image(tmp_path):
    p = tmp_path / "blank.png"
    Image.new("L", (40, 40), 200).save(p)
    with pytest.raises(ValueError, match="blank"):
        load_image(p)


@pytest.mark.parametrize("size", [0, (28,), (28, -1), (2.5, 3), True])
def test_bad_size(files, size):
    with pytest.raises(ValueError, match="size"):
        load_image(files["dark-on-light", "png"], size=size)


def test_to_ink_and_fit_to_frame_on_arrays():
    gray = np.ones((10, 10))
    gray[2:8, 4:6] = 0.0  # a dark bar on white paper
    ink = to_ink(gray)
    assert ink[3, 4] == 1.0 and ink[0, 0] == 0.0
    frame = fit_to_frame(ink, (28, 28))
    rows, cols = np.nonzero(frame > 0.5)
    assert rows.max() - rows.min() + 1 == 20  # bar's 6 rows -> 20 pixels
    with pytest.raises(ValueError, match="no ink"):
        fit_to_frame(np.zeros((5, 5)), (28, 28))


def test_float_and_wide_int_pictures_read_by_their_own_range(tmp_path, files):
    """A 32-bit float TIFF in [0, 1] (or in other units) reads as the same drawing, not as blank.

    Pillow's "L" conversion clips float and 32-bit int pixels to 0..255, so [0, 1] floats became
    levels 0 and 1 of 255 (a blank picture) and 16-bit levels above 255 became all white.
    """
    ref = load_image(files["dark-on-light", "png"])
    levels = np.asarray(draw(20, 235), np.float32)  # 0..255
    for name, values, mode in [("unit.tiff", levels / 255, "F"), ("kelvin.tiff", levels * 40 + 300, "F"),
                               ("wide.tiff", (levels * 256).astype(np.int32), "I")]:
        Image.fromarray(values, mode).save(tmp_path / name)
        assert np.allclose(load_image(tmp_path / name), ref, atol=1e-5), name


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_float_picture_is_named(tmp_path, bad):
    values = np.asarray(draw(20, 235), np.float32) / 255
    values[0, :3] = bad
    p = tmp_path / "nan.tiff"
    Image.fromarray(values, "F").save(p)
    with pytest.raises(ValueError, match=r"^'.*nan\.tiff' holds 3 NaN or infinite pixel\(s\)"):
        load_image(p)
