"""Helpers shared by the web tests: a real server on an ephemeral loopback port, drawn letters.

Imported by name (``from web_helpers import ...``), as ``helpers`` is.
"""

from __future__ import annotations

import base64
import contextlib
import io
import math
import threading
from typing import Iterator

from barenet.web import DEFAULT_MODEL
from barenet.web.app import Limits
from barenet.web.server import WebServer, make_server

SIZE = 280  # the page's canvas size


@contextlib.contextmanager
def running_server(model_path: str = str(DEFAULT_MODEL), limits: Limits | None = None) -> Iterator[WebServer]:
    """``barenet serve``'s server on 127.0.0.1 with port 0, serving in a thread until the block ends.

    The socket listens from the start, so requests made before uvicorn is up wait in the backlog.
    """
    server = make_server(model_path, "127.0.0.1", 0, limits=limits)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def ellipse(cx: float, cy: float, rx: float, ry: float, steps: int = 72) -> list[tuple[float, float]]:
    """Points around an ellipse, starting and ending at the top (one closed stroke: an O)."""
    return [(cx + rx * math.sin(2 * math.pi * i / steps), cy - ry * math.cos(2 * math.pi * i / steps))
            for i in range(steps + 1)]


def line(a: tuple[float, float], b: tuple[float, float], steps: int = 30) -> list[tuple[float, float]]:
    """Evenly spaced points from a to b."""
    return [(a[0] + (b[0] - a[0]) * i / steps, a[1] + (b[1] - a[1]) * i / steps) for i in range(steps + 1)]


def letter_strokes(letter: str, size: int = SIZE) -> list[list[tuple[float, float]]]:
    """Strokes a person would draw for "O" or "X" on a size x size pad."""
    s = size
    if letter == "O":
        return [ellipse(0.5 * s, 0.5 * s, 0.28 * s, 0.36 * s)]
    if letter == "X":
        return [line((0.25 * s, 0.18 * s), (0.75 * s, 0.82 * s)), line((0.75 * s, 0.18 * s), (0.25 * s, 0.82 * s))]
    raise ValueError(f"no strokes for {letter!r}")


def drawn_png(letter: str, size: int = SIZE, width: int = 21) -> bytes:
    """A PNG of ``letter`` drawn stroke by stroke, dark ink on white, like the page's canvas."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(img)
    for stroke in letter_strokes(letter, size):
        draw.line(stroke, fill=0, width=width, joint="curve")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def post_request(payload: dict, close: bool = True) -> bytes:
    """The raw bytes of one ``POST /api/predict`` carrying ``payload`` as JSON."""
    import json

    body = json.dumps(payload).encode()
    return (f"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{'Connection: close' if close else ''}\r\n\r\n").encode() + body


def crowd(address: tuple[str, int], requests: list[bytes], timeout: float = 120.0) -> list[tuple[int | str, bytes]]:
    """Send every request at once, each on its own connection; (status or error name, body) for each.

    One asyncio task per client, so a thousand clients cost one thread here. Each task
    connects, writes its request, and reads until the server closes (``Connection: close``).
    """
    import asyncio

    async def one(request: bytes) -> tuple[int | str, bytes]:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*address), timeout)
            try:
                writer.write(request)
                await writer.drain()
                reply = await asyncio.wait_for(reader.read(), timeout)
            finally:
                writer.close()
        except (OSError, asyncio.TimeoutError) as exc:
            return type(exc).__name__, b""
        head, _, body = reply.partition(b"\r\n\r\n")
        parts = head.split(b" ", 2)
        return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else "no status line"), body

    async def everyone() -> list[tuple[int | str, bytes]]:
        return await asyncio.gather(*(one(r) for r in requests))

    return asyncio.run(everyone())
