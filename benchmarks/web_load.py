"""Load and memory figures for ``barenet serve``: large images at once, then many clients at once.

    python benchmarks/web_load.py                      # 32 large images, then 1,000 clients
    python benchmarks/web_load.py --big 16 --clients 200 --cap-mb 6144 --json /tmp/web.json

The server runs as its own process (``python -m barenet serve --port 0 --quiet``) on
127.0.0.1, so its memory is its own: the script reads ``VmRSS`` and the peak ``VmHWM`` from
``/proc/PID/status`` and resets the peak (``echo 5 > /proc/PID/clear_refs``) before each
phase. ``--cap-mb`` limits the server's address space (RLIMIT_AS), so a server without
bounds fails inside the cap instead of taking the whole machine.

Phases (each client is one asyncio connection that sends one request and reads the answer):

1. ``big``: N clients at once POST a 4096x4096 transparent PNG with a drawn O (about 100 KB
   on the wire). A server that decodes it costs ~0.5 GB per request; a bounded one refuses it
   from the PNG header with a 4xx.
2. ``limit``: the same N clients with a 1024x1024 PNG (the server's pixel limit): each is
   decoded and predicted, so this shows what bounded concurrent decoding costs.
3. ``clients``: C clients at once POST the page's own 280x280 drawing of an O. Every one
   should get 200 with class O.

Prints one line per phase and a summary; ``--json`` writes the raw figures. Wall times are
printed for information only; nothing here is a pass/fail threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CANVAS = 280


def drawn_png(side: int, transparent: bool) -> bytes:
    """An O drawn as a person would on a ``side`` x ``side`` canvas (ink on clear or on white)."""
    from PIL import Image, ImageDraw

    mode, ground, ink = ("RGBA", (0, 0, 0, 0), (0, 0, 0, 255)) if transparent else ("L", 255, 0)
    img = Image.new(mode, (side, side), ground)
    s = side
    ImageDraw.Draw(img).ellipse((0.22 * s, 0.14 * s, 0.78 * s, 0.86 * s), outline=ink, width=max(1, s // 13))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def predict_request(png: bytes) -> bytes:
    body = json.dumps({"image": "data:image/png;base64," + base64.b64encode(png).decode("ascii")}).encode()
    head = (f"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    return head + body


# ------------------------------------------------------------------------- the server
def start_server(cap_mb: int | None) -> tuple[subprocess.Popen, str]:
    """``barenet serve`` on a free loopback port; returns the process and its URL."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}

    def limit() -> None:
        if cap_mb:
            cap = cap_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    proc = subprocess.Popen([sys.executable, "-m", "barenet", "serve", "--port", "0", "--quiet"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=limit)
    line = proc.stdout.readline()
    match = re.search(r"(http://[\d.]+:\d+/)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"barenet serve did not start: {line!r}")
    return proc, match.group(1)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS since the last reset) of process ``pid``, in KiB."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(rest.split()[0])
    return fields


def reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")


# ------------------------------------------------------------------------- the clients
async def one_client(host: str, port: int, request: bytes, timeout: float) -> tuple[Any, float, bytes]:
    """Send ``request`` on a new connection; (status or error name, seconds, body)."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        try:
            writer.write(request)
            await writer.drain()
            reply = await asyncio.wait_for(reader.read(), timeout)
        finally:
            writer.close()
    except (OSError, asyncio.TimeoutError) as exc:
        return type(exc).__name__, time.perf_counter() - start, b""
    head, _, body = reply.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    status: Any = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else "no status line"
    return status, time.perf_counter() - start, body


async def crowd(url: str, request: bytes, n: int, timeout: float) -> list[tuple[Any, float, bytes]]:
    host, port = re.match(r"http://([\d.]+):(\d+)/", url).groups()
    return await asyncio.gather(*(one_client(host, int(port), request, timeout) for _ in range(n)))


def phase(name: str, proc: subprocess.Popen, url: str, request: bytes, n: int, timeout: float) -> dict[str, Any]:
    """Run n clients at once against the server; its memory before, peak and after."""
    before = memory_kib(proc.pid)["VmRSS"]
    reset_peak(proc.pid)
    start = time.perf_counter()
    results = asyncio.run(crowd(url, request, n, timeout))
    wall = time.perf_counter() - start
    time.sleep(0.5)  # let the last answers' memory be released before reading "after"
    alive = proc.poll() is None
    mem = memory_kib(proc.pid) if alive else {"VmRSS": 0, "VmHWM": 0}
    statuses = Counter(str(s) for s, _, _ in results)
    classes = Counter(_class_of(body) for s, _, body in results if s == 200)
    seconds = sorted(t for _, t, _ in results)
    out = {"phase": name, "clients": n, "request_bytes": len(request), "statuses": dict(statuses),
           "classes": dict(classes), "answered": sum(isinstance(s, int) for s, _, _ in results),
           "rss_before_mb": before / 1024, "peak_rss_mb": mem["VmHWM"] / 1024, "rss_after_mb": mem["VmRSS"] / 1024,
           "wall_s": wall, "median_s": statistics.median(seconds), "max_s": seconds[-1], "server_alive": alive}
    print(f"{name:8s} {n:5d} clients, {len(request) / 1024:7.1f} KiB each: statuses {dict(statuses)}, "
          f"answered {out['answered']}/{n}; server RSS {before / 1024:.0f} MB -> peak {out['peak_rss_mb']:.0f} MB, "
          f"after {out['rss_after_mb']:.0f} MB; wall {wall:.2f} s (median {out['median_s']:.2f} s, "
          f"max {out['max_s']:.2f} s)", flush=True)
    return out


def _class_of(body: bytes) -> str:
    try:
        return json.loads(body)["class"]
    except (ValueError, KeyError, TypeError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=32, help="clients sending a 4096x4096 PNG at once (default 32)")
    parser.add_argument("--side", type=int, default=4096, help="side of the large PNG (default 4096)")
    parser.add_argument("--limit-side", type=int, default=1024, help="side of the PNG at the pixel limit (default 1024)")
    parser.add_argument("--clients", type=int, default=1000, help="clients sending a drawing at once (default 1000)")
    parser.add_argument("--cap-mb", type=int, default=None, help="the server's address-space limit (RLIMIT_AS)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-client limit in seconds (default 120)")
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args(argv)
    proc, url = start_server(args.cap_mb)
    try:
        warm = asyncio.run(crowd(url, predict_request(drawn_png(CANVAS, False)), 4, args.timeout))
        if any(s != 200 for s, _, _ in warm):
            raise RuntimeError(f"warm-up requests failed: {[s for s, _, _ in warm]}")
        results = [phase("big", proc, url, predict_request(drawn_png(args.side, True)), args.big, args.timeout),
                   phase("limit", proc, url, predict_request(drawn_png(args.limit_side, True)), args.big,
                         args.timeout),
                   phase("clients", proc, url, predict_request(drawn_png(CANVAS, False)), args.clients, args.timeout)]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if args.json:
        Path(args.json).write_text(json.dumps({"url": url, "cap_mb": args.cap_mb, "phases": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
