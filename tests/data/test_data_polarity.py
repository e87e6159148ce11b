"""Polarity on pictures cropped tight to the letter, the question's 6x6 letters, and transparent grounds."""

import io
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from barenet.data import images, ox
from barenet.data.images import load_image
from barenet.data.polarity import count_components, ink_is_dark, otsu_threshold, sides_touched


def glyph(letter: str, size: int = 64) -> np.ndarray:
    """A bold letter from matplotlib's DejaVu, ink = 1, cropped tight to its ink."""
    from barenet.data.fonts import font_path

    font = ImageFont.truetype(font_path("DejaVuSans-Bold"), size)
    img = Image.new("L", (2 * size, 2 * size), 0)
    ImageDraw.Draw(img).text((size // 2, size // 2), letter, fill=255, font=font)
    return np.asarray(img.crop(img.getbbox()), np.float32) / 255.0


def png(array: np.ndarray, mode: str = "L") -> io.BytesIO:
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, format="PNG")
    buf.seek(0)
    return buf


def test_components_and_otsu_by_hand():
    ring = 1 - ox.draw_o(6, 6)  # paper = 1 inside the ring and at the 4 cut corners
    assert count_components(ox.draw_o(6, 6) > 0) == 1
    assert count_components(ring > 0) == 1  # 8-connected: the corners touch the hole diagonally
    two = np.zeros((5, 5), bool)
    two[0, 0] = two[4, 4] = True
    assert count_components(two) == 2 and count_components(two, min_size=2) == 0
    levels = np.array([[0.1, 0.12, 0.85, 0.9, 0.88]])
    t = otsu_threshold(levels)
    assert ((levels < t) == (levels < 0.5)).all()  # splits the two groups


@pytest.mark.parametrize("letter", list("EBFLDNRMHT"))
def test_tight_crops_in_both_polarities(letter):
    # The old rule (the border's median) inverted these: stems and bars cover the border.
    ink = glyph(letter)
    assert ink_is_dark(1.0 - ink) and not ink_is_dark(ink)


def test_tight_e_and_b_keep_their_shape():
    for letter in "EB":
        ink = glyph(letter)
        dark_on_light = load_image(png((255 * (1 - ink)).astype(np.uint8)))
        light_on_dark = load_image(png((255 * ink).astype(np.uint8)))
        assert np.abs(dark_on_light - light_on_dark).max() < 0.02
        assert dark_on_light[0, 0, 17, 10] > 0.5  # the stem at the left is ink, not paper


@pytest.mark.parametrize("k, scale", [(0, 1), (0, 10), (1, 1), (1, 10)])
def test_question_letters_tight_as_png(k, scale):
    glyph6 = ox.canonical()[k]
    for picture in (1 - glyph6, glyph6):  # black on white, and white on black
        img = Image.fromarray((255 * picture).astype(np.uint8)).resize((6 * scale, 6 * scale), Image.Resampling.NEAREST)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        buf.seek(0)
        assert np.array_equal(load_image(buf, size=6)[0, 0] > 0.5, glyph6 > 0.5)


@pytest.mark.parametrize("ink_rgb", [(0, 0, 0), (255, 255, 255), (200, 30, 30)])
def test_transparent_tight_crop_any_ink_colour(ink_rgb):
    ink = glyph("E")
    rgba = np.zeros(ink.shape + (4,), np.uint8)
    rgba[..., :3] = ink_rgb
    rgba[..., 3] = (255 * ink).astype(np.uint8)  # transparent ground; the letter touches every edge
    x = load_image(png(rgba, "RGBA"))
    ref = load_image(png((255 * (1 - ink)).astype(np.uint8)))
    assert np.abs(x - ref).mean() < 0.02


def test_ink_override():
    ink = glyph("E")
    dark = png((255 * (1 - ink)).astype(np.uint8))
    right = load_image(dark, ink="dark")
    dark.seek(0)
    wrong = load_image(dark, ink="light")
    assert right[0, 0, 17, 10] > 0.5 and np.abs(right - wrong).mean() > 0.1
    with pytest.raises(ValueError, match="ink must be one of"):
        load_image(dark, ink="blue")


def test_pixel_limit_from_the_header(monkeypatch, tmp_path):
    p = tmp_path / "big.png"
    Image.new("L", (300, 200), 255).save(p)
    monkeypatch.setattr(images, "MAX_PIXELS", 50_000)
    with pytest.raises(ValueError, match=r"too large \(300 x 200\).*50,000 pixels"):
        load_image(p)


def test_pillow_bomb_check_gives_one_error_and_no_warning(monkeypatch, tmp_path):
    p = tmp_path / "bomb.png"
    Image.new("L", (300, 300), 255).save(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20_000)  # Pillow refuses over 2x this, warns over 1x
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail the test
        with pytest.raises(ValueError, match="too large"):
            load_image(p)
        q = tmp_path / "warn.png"
        Image.new("L", (150, 150), 255).save(q)  # between 1x and 2x: Pillow would only warn
        with pytest.raises(ValueError, match="blank"):  # it is read (and is blank), silently
            load_image(q)


def test_large_pictures_decode_at_reduced_size(tmp_path):
    img = Image.new("L", (4000, 3000), 255)
    ImageDraw.Draw(img).rectangle([1800, 500, 2200, 2500], fill=0)  # a thick I
    for ext in ("jpg", "png"):
        p = tmp_path / f"large.{ext}"
        img.save(p)
        with Image.open(p) as opened:
            small = images._decode_small(Image, opened)
            assert max(small.size) <= 2 * images.WORK_SIDE
        x = load_image(p)[0, 0]
        assert x[14, 14] > 0.9 and x[14, 2] == 0


@pytest.mark.parametrize("ink_rgb", [(0, 0, 0), (255, 255, 255)])
def test_transparent_tight_bar_is_drawn_in_alpha(ink_rgb):
    # A tight "I" from a real font: 4 x 25 pixels of one colour, opaque but for its edge columns
    # (alpha 172). No pixel is transparent, so the shape lives in alpha alone: composited, not blank.
    rgba = np.zeros((25, 4, 4), np.uint8)
    rgba[..., :3] = ink_rgb
    rgba[..., 3] = 255
    rgba[:, [0, 3], 3] = 172
    x = load_image(png(rgba, "RGBA"))[0, 0]
    rows, cols = np.nonzero(x > 0.5)
    assert np.ptp(rows) + 1 == 20 and np.ptp(cols) + 1 <= 4  # a tall bar, fitted to 20 of 28 rows


def test_one_colour_opaque_picture_is_still_blank():
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 3] = 250
    rgba[5, 5, 3] = 255  # alpha varies by 2%: no shape, just noise
    with pytest.raises(ValueError, match="blank"):
        load_image(png(rgba, "RGBA"))


def test_heavy_tight_e_with_a_short_middle_arm():
    # Ink covers most of the picture and the two notches join past the short middle arm, so
    # each class is one component: the ink is the class that reaches all four sides.
    E = np.zeros((25, 20), np.float32)
    E[:, :9] = E[:7] = E[-7:] = 1.0  # stem, top and bottom arms
    E[9:16, :15] = 1.0  # the middle arm stops 5 px short of the right side
    assert E.mean() > 0.5 and count_components(E > 0.5) == count_components(E < 0.5) == 1
    assert sides_touched(E > 0.5) == 4 and sides_touched(E < 0.5) == 1
    assert ink_is_dark(1.0 - E) and not ink_is_dark(E)


def test_heavy_tight_e_with_a_faint_rim():
    # A thick pen's tight crop keeps a faint antialiased rim: one pixel ring light enough to
    # fall on the paper's side of Otsu's threshold, which joins the notches and touches every
    # side. Left out, the ink again reaches all four sides and the paper one.
    E = np.zeros((25, 20), np.float32)
    E[:, :9] = E[:7] = E[-7:] = 1.0
    E[9:16, :15] = 1.0
    gray = np.pad(1.0 - E, ((1, 0), (1, 1)), constant_values=0.85)  # dark ink; a light rim but at the bottom
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]]) < 0.5
    assert 0.1 < border.mean() < 0.9  # the border alone does not decide
    assert ink_is_dark(gray) and not ink_is_dark(1.0 - gray)
