"""The training plots say what they show: every title inside the picture, a colour scale for
the filters, and "no mistakes" when the model made none."""

from __future__ import annotations

import numpy as np
import pytest

from barenet.job import plots as plot


def inside(fig, artist) -> bool:
    """Whether the drawn artist lies entirely within the figure (nothing clipped)."""
    fig.canvas.draw()
    box, page = artist.get_window_extent(), fig.bbox
    return box.x0 >= page.x0 and box.y0 >= page.y0 and box.x1 <= page.x1 and box.y1 <= page.y1


@pytest.mark.parametrize("shape", [(1, 1, 3, 3), (6, 1, 3, 3), (4, 2, 5, 5)])
def test_filters_have_their_title_inside_and_a_colour_scale(shape):
    W = np.random.default_rng(0).normal(size=shape)
    fig = plot.draw_filters(W)
    assert inside(fig, fig._suptitle) and fig._suptitle.get_text().startswith("first conv layer")
    bars = [ax for ax in fig.axes if ax.get_ylabel() == "weight"]
    assert len(bars) == 1 and inside(fig, bars[0])
    low, high = bars[0].get_ylim()
    assert low == pytest.approx(-np.abs(W).max()) and high == pytest.approx(np.abs(W).max())


def test_no_mistakes_says_so():
    X = np.zeros((7, 1, 6, 6))
    y = np.arange(7) % 2
    fig = plot.draw_misclassified(X, y, y.copy(), ["O", "X"])
    texts = [t for ax in fig.axes for t in ax.texts]
    assert [t.get_text() for t in texts] == ["no mistakes: all 7 test images classified correctly"]
    assert inside(fig, texts[0])


def test_mistakes_are_shown_with_their_labels():
    X = np.zeros((4, 1, 6, 6))
    y, pred = np.array([0, 1, 1, 0]), np.array([0, 0, 1, 1])
    fig = plot.draw_misclassified(X, y, pred, ["O", "X"])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["X -> O", "O -> X"]
