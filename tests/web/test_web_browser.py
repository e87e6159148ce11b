"""The drawing page in a real browser: Debian's Chromium driven by Playwright.

A person's session, stroke by stroke with the mouse: draw an O and read "O", clear,
draw an X and read "X", undo a stroke, draw every letter along held-out stroke paths
(``scripts/heldout/drawn.py``) and read the page's answers, and take a screenshot (written to
``docs/web.png`` for the README only when BARENET_UPDATE_SCREENSHOT=1, so a test run
leaves the checkout clean). Playwright cannot download browsers here, so the
test uses ``/usr/bin/chromium`` (``apt-get install -y chromium``); without it the test
fails and says so: it is never skipped.
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from web_helpers import letter_strokes, running_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from heldout import drawn  # noqa: E402

CHROMIUM = os.environ.get("BARENET_CHROMIUM", "/usr/bin/chromium")
# As root in a closed network: no sandbox, and none of Chromium's own network traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web.png"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.isfile(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; the browser tests need Debian's chromium: "
                    "run `apt-get update && apt-get install -y chromium` (as .ci/run does)", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing; install the test extra: pip install -e '.[test]'",
                    pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def page(browser) -> Iterator[object]:
    with running_server() as server:
        context = browser.new_context(viewport={"width": 1120, "height": 900}, device_scale_factor=1)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server.url, wait_until="load")
        page.wait_for_selector("#bars .bar[data-class='Z']", timeout=TIMEOUT_MS)  # /api/model answered
        yield page
        context.close()
        assert errors == [], f"the page logged errors: {errors}"


def along(points: list, step: float) -> list:
    """Points about ``step`` apart along a polyline, its ends kept: where a hand's mouse reports."""
    out, carry = [points[0]], 0.0
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        d, t = math.hypot(x1 - x0, y1 - y0), step - carry
        while t < d:
            out.append((x0 + (x1 - x0) * t / d, y0 + (y1 - y0) * t / d))
            t += step
        carry = d - (t - step)
    return out if out[-1] == points[-1] else out + [points[-1]]


def sparse(points: list, gap: float) -> list:
    """The points of a polyline at least ``gap`` apart (its corners and ends kept where they are):
    a quick hand's mouse, which reports every few pixels along a curve and once along a line."""
    out = [points[0]]
    for i, (x, y) in enumerate(points[1:], 1):
        if i == len(points) - 1 or math.hypot(x - out[-1][0], y - out[-1][1]) >= gap:
            out.append((x, y))
    return out


def draw(page, letter: str | list, step: float = 6, gap: float | None = None) -> None:
    """Draw ``letter`` (a name, or strokes of (x, y) pad pixels) with the mouse, stroke by
    stroke: one mouse event every ``step`` pad pixels, or with ``gap`` only the stroke's own
    points at least ``gap`` apart (the page joins events with straight lines either way)."""
    box = page.locator("#pad").bounding_box()
    scale = box["width"] / 280
    for stroke in letter_strokes(letter) if isinstance(letter, str) else letter:
        path = along(stroke, step) if gap is None else sparse(stroke, gap)
        points = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in path]
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y)
        page.mouse.up()


def settled(page) -> str:
    """Wait until the shown prediction belongs to the current drawing; return its letter."""
    version = page.locator("#pad").get_attribute("data-version")
    page.wait_for_selector(f"#letter[data-version='{version}']", timeout=TIMEOUT_MS)
    return page.locator("#letter").get_attribute("data-letter")


def shown_probabilities(page) -> dict[str, float]:
    bars = page.locator("#bars .bar")
    return {bars.nth(i).get_attribute("data-class"): float(bars.nth(i).get_attribute("data-probability"))
            for i in range(bars.count())}


def ink_at(page, x: float, y: float) -> bool:
    """Whether the pad is dark at canvas pixel (x, y)."""
    return page.evaluate("([x, y]) => document.getElementById('pad').getContext('2d')"
                         ".getImageData(x, y, 1, 1).data[0] < 128", [x, y])


def test_draw_o_then_x_reads_both(page):
    draw(page, "O")
    assert settled(page) == "O"
    probabilities = shown_probabilities(page)
    assert sorted(probabilities) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert math.isclose(sum(probabilities.values()), 1.0, abs_tol=1e-4)
    assert max(probabilities, key=probabilities.get) == "O"
    assert page.locator("#bars .bar.best").get_attribute("data-class") == "O"

    page.click("#clear")
    assert page.locator("#pad").get_attribute("data-strokes") == "0"
    assert page.locator("#letter").get_attribute("data-letter") == ""
    draw(page, "X")
    assert page.locator("#pad").get_attribute("data-strokes") == "2"
    assert settled(page) == "X"
    assert math.isclose(sum(shown_probabilities(page).values()), 1.0, abs_tol=1e-4)


def test_feature_maps_are_shown(page):
    draw(page, "O")
    settled(page)
    # The input picture, then one small canvas per feature map of each conv layer (6 and 16 in LeNet).
    model = page.evaluate("fetch('api/model').then((r) => r.json())")
    conv = [spec["config"]["out_channels"] for spec in model["architecture"]["layers"] if spec["type"] == "Conv2D"]
    groups = page.locator("#maps figure")
    assert [groups.nth(i).locator("canvas").count() for i in range(groups.count())] == [1, *conv]
    assert page.locator("#layers tbody tr").count() == len(model["layers"])


def test_undo_removes_the_last_stroke(page):
    draw(page, "X")
    settled(page)
    first, second = letter_strokes("X")
    on_first, on_second = first[len(first) // 4], second[len(second) // 4]  # away from the crossing
    assert ink_at(page, *on_first) and ink_at(page, *on_second)

    page.click("#undo")
    assert page.locator("#pad").get_attribute("data-strokes") == "1"
    assert ink_at(page, *on_first) and not ink_at(page, *on_second)
    settled(page)  # the lone stroke is predicted again

    page.click("#undo")
    assert page.locator("#pad").get_attribute("data-strokes") == "0"
    assert not ink_at(page, *on_first)
    assert page.locator("#undo").is_disabled()


def test_screenshot(page, tmp_path):
    draw(page, "O")
    assert settled(page) == "O"
    page.wait_for_timeout(400)  # let the bars finish their short transition
    shot = tmp_path / "web.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert shot.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("BARENET_UPDATE_SCREENSHOT") == "1":
        README_SCREENSHOT.write_bytes(shot.read_bytes())
    assert README_SCREENSHOT.stat().st_size > 10_000  # the README's picture is in the checkout


def test_held_out_letters_drawn_on_the_page_read_right(page):
    # Every letter, each of drawn.py's two ways (stroke paths that training never uses), drawn
    # with the mouse on the real page at a random slant, size and place, and read from the
    # page's answer. The target: >= 95% read right.
    rng = np.random.default_rng(13)
    right, total, wrong = Counter(), Counter(), []
    for letter in drawn.LETTERS:
        for variant in range(drawn.VARIANTS):
            if page.locator("#pad").get_attribute("data-strokes") != "0":
                page.click("#clear")
            paths = drawn.strokes(letter, variant, 280, slant=rng.uniform(-0.25, 0.25), scale=rng.uniform(0.45, 0.7),
                                  shift=tuple(rng.uniform(-0.05, 0.05, 2)))
            draw(page, paths, gap=20)  # few mouse events: each costs a round trip to the browser
            read = settled(page)
            total[letter] += 1
            right[letter] += read == letter
            if read != letter:
                wrong.append(f"{letter}{variant}->{read}")
    accuracy = sum(right.values()) / sum(total.values())
    per_letter = " ".join(f"{k} {right[k]}/{total[k]}" for k in drawn.LETTERS)
    print(f"drawn on the page: {accuracy:.1%} read right; per letter: {per_letter}; wrong: {wrong}")
    assert sum(total.values()) == 26 * drawn.VARIANTS
    assert accuracy >= 0.95, f"{accuracy:.1%} read right (need 95%); wrong: {wrong}; per letter: {per_letter}"
