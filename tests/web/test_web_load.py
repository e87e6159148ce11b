"""The server under load, as its own process: large pictures at once, then a thousand clients at once.

``barenet serve`` runs as a subprocess on 127.0.0.1, so the memory measured is the server's
alone: its peak resident set (``VmHWM`` in ``/proc/PID/status``, over its whole life) must
stay under ``PEAK_RSS_MB`` while 32 clients send a 4096x4096 PNG each (refused from the header:
413), 32 send a picture at the pixel limit (decoded, a bounded number at a time: 200) and
1,000 clients send a drawing at once (all answered 200). ``benchmarks/web_load.py`` prints the
same figures for the record; this test only asserts the bounds.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections import Counter
from typing import Iterator

import pytest
from web_helpers import crowd, data_url, drawn_png, post_request

from barenet.web.inputs import MAX_IMAGE_PIXELS

PEAK_RSS_MB = 300
CLIENTS = 1000
BIG = 32


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"/proc/{pid}/status has no VmHWM")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[subprocess.Popen, tuple[str, int]]]:
    proc = subprocess.Popen([sys.executable, "-m", "barenet", "serve", "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://(127\.0\.0\.1):(\d+)/", line)
        assert match, f"barenet serve did not start: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        yield proc, (match.group(1), int(match.group(2)))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def transparent_o(side: int) -> bytes:
    """An O drawn on a clear side x side canvas: a canvas export, ~100 KB at 4096 a side."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((0.22 * side, 0.14 * side, 0.78 * side, 0.86 * side),
                                outline=(0, 0, 0, 255), width=max(1, side // 13))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def statuses(results: list) -> Counter:
    return Counter(status for status, _ in results)


def test_large_pictures_at_once_are_refused_with_bounded_memory(served):
    proc, address = served
    huge = post_request({"image": data_url(transparent_o(4096))})
    side = int(MAX_IMAGE_PIXELS ** 0.5)
    at_limit = post_request({"image": data_url(transparent_o(side))})
    refused = crowd(address, [huge] * BIG)
    decoded = crowd(address, [at_limit] * BIG)
    assert statuses(refused) == {413: BIG}
    assert all("pixels" in json.loads(body)["error"] for _, body in refused)
    assert statuses(decoded) == {200: BIG}
    assert {json.loads(body)["class"] for _, body in decoded} == {"O"}
    assert proc.poll() is None and peak_rss_mb(proc.pid) < PEAK_RSS_MB


def test_a_thousand_clients_at_once_are_all_answered(served):
    proc, address = served
    drawing = post_request({"image": data_url(drawn_png("X"))})
    results = crowd(address, [drawing] * CLIENTS)
    assert statuses(results) == {200: CLIENTS}
    assert Counter(json.loads(body)["class"] for _, body in results) == {"X": CLIENTS}
    assert proc.poll() is None and peak_rss_mb(proc.pid) < PEAK_RSS_MB


def test_the_load_script_runs_and_reports(tmp_path):
    """benchmarks/web_load.py, at a small size: it starts its own server and writes every figure."""
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "web_load.py"
    out = tmp_path / "web.json"
    done = subprocess.run([sys.executable, str(script), "--big", "2", "--side", "2048", "--limit-side", "512",
                           "--clients", "20", "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    phases = {p["phase"]: p for p in json.loads(out.read_text())["phases"]}
    assert phases["big"]["statuses"] == {"413": 2} and phases["limit"]["statuses"] == {"200": 2}
    assert phases["clients"]["statuses"] == {"200": 20} and phases["clients"]["classes"] == {"O": 20}
    assert all(0 < p["peak_rss_mb"] < PEAK_RSS_MB for p in phases.values())
    assert "answered 20/20" in done.stdout
