"""The letters dataset: A-Z rendered from matplotlib's fonts, split by font."""

import numpy as np
import pytest

from barenet.data import fonts, load


@pytest.fixture(scope="module")
def splits():
    return load("letters", "train", per_font=2, drawn=2), load("letters", "test", per_font=2, drawn=2)


def test_font_split_is_disjoint_and_non_empty():
    split = fonts.font_split()
    assert split == {"train": fonts.TRAIN_FONTS, "test": fonts.TEST_FONTS}
    assert len(fonts.TRAIN_FONTS) == 17 and len(fonts.TEST_FONTS) == 5
    assert not set(fonts.TRAIN_FONTS) & set(fonts.TEST_FONTS)
    assert len(set(fonts.TRAIN_FONTS)) == len(fonts.TRAIN_FONTS)


@pytest.mark.parametrize("font", fonts.TRAIN_FONTS + fonts.TEST_FONTS)
def test_every_font_draws_26_distinct_letters(font):
    glyphs = np.stack([fonts.render_glyph(font, ch, 28) for ch in fonts.CLASSES])
    assert glyphs.shape == (26, 28, 28) and glyphs.dtype == np.float32
    assert glyphs.max(axis=(1, 2)).min() > 0.9  # no empty glyph
    flat = glyphs.reshape(26, -1)
    distance = np.abs(flat[:, None] - flat[None]).sum(-1) + np.eye(26) * 1e9
    assert distance.min() > 5  # no two letters render the same (a placeholder box would)
    O, I = glyphs[fonts.CLASSES.index("O")], glyphs[fonts.CLASSES.index("I")]
    assert O[13:15, 13:15].max() < 0.5  # O is hollow
    assert I.sum() < O.sum()  # an I carries less ink than an O


def test_clean_glyph_fitted_like_mnist():
    for ch in "AIMW":
        g = fonts.render_glyph("DejaVuSans", ch, 28)
        rows, cols = np.nonzero(g > 0.3)
        assert 19 <= max(np.ptp(rows), np.ptp(cols)) + 1 <= 21  # longer side ~20 of 28
        mass = g.sum()
        assert abs(g.sum(axis=1) @ np.arange(28) / mass - 13.5) < 1
        assert abs(g.sum(axis=0) @ np.arange(28) / mass - 13.5) < 1


def test_contract(splits):
    for ds, n_fonts, n_drawn in zip(splits, (17, 5), (2, 0)):  # the test split stays printed only
        n = 26 * 2 * n_fonts + 26 * n_drawn
        assert ds.X.shape == (n, 1, 28, 28) and ds.input_shape == (1, 28, 28)
        assert ds.X.dtype == np.float32 and ds.y.dtype == np.int64
        assert ds.X.min() >= 0 and ds.X.max() <= 1
        assert ds.classes == [chr(ord("A") + k) for k in range(26)] and ds.name == "letters"
        assert np.bincount(ds.y, minlength=26).tolist() == [2 * n_fonts + n_drawn] * 26  # every letter, equally


def test_seeded_jitter(splits):
    train = splits[0]
    again, other = load("letters", "train", per_font=2, drawn=2), load("letters", "train", per_font=2, drawn=2, seed=1)
    assert np.array_equal(train.X, again.X) and np.array_equal(train.y, again.y)
    assert not np.array_equal(train.X, other.X)
    # Jitter really varies: two samples of the same font and letter differ.
    clean = load("letters", "test", per_font=3, noise=0.0)
    assert len({x.tobytes() for x in clean.X}) == len(clean)


def test_noise_option():
    clean = load("letters", "test", per_font=1, noise=0.0)
    noisy = load("letters", "test", per_font=1, noise=0.2)
    assert (clean.X[:, :, 0, :] == 0).mean() > 0.95  # clean: the top row is background
    assert (noisy.X[:, :, 0, :] > 0).mean() > 0.3  # noisy: it is not


def test_size_option():
    ds = load("letters", "test", size=16, per_font=1)
    assert ds.X.shape == (130, 1, 16, 16) and ds.X.max() > 0.9


@pytest.mark.parametrize("option", [{"size": 4}, {"size": 28.0}, {"per_font": 0}, {"noise": -0.1},
                                    {"noise": float("nan")}, {"drawn": -1}, {"drawn": 1.5}])
def test_bad_options(option):
    with pytest.raises(ValueError, match="letters"):
        load("letters", "test", **option)


def test_default_sizes():
    # The whole default training split takes about 40 s to draw, so count its printed part and
    # trust the pen-drawn count to ``drawn`` (test_training_split_mixes_print_and_pen).
    assert len(load("letters", "test")) == 5 * 26 * fonts.TEST_PER_FONT == 3120
    assert len(load("letters", "train", drawn=0)) == 17 * 26 * fonts.TRAIN_PER_FONT == 17680
    assert 26 * fonts.DRAWN_PER_LETTER == 65000


def test_some_training_letters_are_shown_small(monkeypatch):
    # The samples picked by LOW_RES_SHARE pass through augment.low_resolution: softer, greyer edges.
    def soft_pixels(share):
        monkeypatch.setattr(fonts, "LOW_RES_SHARE", share)
        X = load("letters", "train", per_font=1, drawn=40, noise=0.0).X
        return ((X > 0.1) & (X < 0.6)).mean()

    none, default, every = soft_pixels(0.0), soft_pixels(0.3), soft_pixels(1.0)
    assert every > 1.2 * none and none < default < every


def test_test_split_is_unchanged_by_handwriting():
    # The test split is what it was before pen-drawn letters joined training, so its
    # accuracy stays comparable: the drawn option and the training augmentation leave it alone.
    a, b = load("letters", "test", per_font=2, drawn=0), load("letters", "test", per_font=2, drawn=50)
    assert np.array_equal(a.X, b.X) and len(a) == 26 * 2 * 5


def test_training_split_mixes_print_and_pen():
    printed = load("letters", "train", per_font=1, drawn=0)
    mixed = load("letters", "train", per_font=1, drawn=3)
    assert len(mixed) - len(printed) == 26 * 3
    hollow = (printed.X[:, 0, 14, 14] == 0).mean()  # augmentation happened: some samples differ
    assert 0 < hollow < 1
