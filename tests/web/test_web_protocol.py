"""What the server answers before (or instead of) the app: uvicorn's parser, limits and timeouts.

uvicorn answers a request it cannot parse, and one beyond its concurrency limit, by itself
in plain text; ``barenet.web.protocol`` makes those answers JSON and adds a deadline for
the request head. Each test talks raw bytes over a socket to a real server on 127.0.0.1,
with small limits (``Limits``) so timeouts take a fraction of a second.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from typing import Any

import pytest
from web_helpers import running_server

from barenet.web.app import Limits

TIMEOUT_S = 20


def exchange(address: tuple[str, int], *parts: bytes, pause: float = 0.0,
             half_close: bool = False) -> tuple[int | None, dict[str, str], Any]:
    """Send ``parts`` (``pause`` seconds apart), read until the server closes; (status, headers, JSON)."""
    with socket.create_connection(address, timeout=TIMEOUT_S) as sock:
        for i, part in enumerate(parts):
            if i and pause:
                time.sleep(pause)
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):  # the server has answered and closed
                break
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        reply = read_all(sock)
    return parse(reply)


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def parse(reply: bytes) -> tuple[int | None, dict[str, str], Any]:
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 "):
        return None, {}, reply
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers.get("content-type") == "application/json", f"not JSON: {reply[:300]!r}"
    return int(lines[0].split()[1]), headers, json.loads(body)


def get(path: str = "/api/model", extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n".encode()


@pytest.fixture(scope="module")
def server():
    with running_server(limits=Limits(head_timeout_s=0.6, request_timeout_s=0.8)) as srv:
        yield srv


def assert_error(result: tuple, status: int, words: str) -> dict[str, str]:
    got, headers, body = result
    assert got == status, body
    assert words in body["error"] and "\n" not in body["error"]
    assert headers["connection"] == "close" and "default-src 'self'" in headers["content-security-policy"]
    return headers


# -- requests h11 cannot parse: uvicorn's plain-text 400, now JSON --------------------------
@pytest.mark.parametrize("raw", [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
    b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
    b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /api/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",  # HTTP/1.1 requires Host
], ids=["garbage", "request line", "header name", "no colon", "length ten", "length -5", "gzip", "no host"])
def test_malformed_requests_get_json_400(server, raw):
    assert_error(exchange(server.server_address, raw), 400, "not valid HTTP/1.1")


def test_unfinished_request_line_over_the_limit_is_414(server):
    limit = server.limits.max_head
    # No line end yet: h11 gives up once the unfinished head passes its limit.
    assert_error(exchange(server.server_address, b"GET /" + b"a" * (limit + 100)), 414, "request line")


def test_unfinished_headers_over_the_limit_are_431(server):
    limit = server.limits.max_head
    head = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-Fill-%d: %s\r\n" % (i, b"v" * 60) for i in range(400))
    assert len(head) > limit
    assert_error(exchange(server.server_address, head), 431, "headers")


def test_complete_heads_over_the_limits_are_414_and_431(server):
    limits = server.limits
    assert_error(exchange(server.server_address, get("/" + "a" * (limits.max_url + 1))), 414, "URL")
    big = "".join(f"X-Fill-{i}: {'v' * 50}\r\n" for i in range(limits.max_head // 60 + 10))
    assert len(big) < 2 * limits.max_head
    assert_error(exchange(server.server_address, get(extra=big)), 431, "headers")


# -- deadlines ----------------------------------------------------------------------------
def test_a_head_that_does_not_finish_gets_408(server):
    start = time.monotonic()
    result = exchange(server.server_address, b"GET /api/model HTTP/1.1\r\nHost: x\r\n")
    assert_error(result, 408, "did not arrive within")
    assert time.monotonic() - start < 10 * server.limits.head_timeout_s


def test_a_client_trickling_its_head_is_cut_off(server):
    # One byte every 0.1 s restarts uvicorn's keep-alive timer each time; the head deadline holds.
    head = get()
    start = time.monotonic()
    result = exchange(server.server_address, *[head[i:i + 1] for i in range(len(head))], pause=0.1)
    elapsed = time.monotonic() - start
    assert_error(result, 408, "did not arrive within")
    assert elapsed < len(head) * 0.1  # cut off before the whole head could arrive


def test_a_body_that_stops_arriving_gets_408(server):
    head = b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    assert_error(exchange(server.server_address, head, b'{"pixels": '), 408, "did not arrive within")


def test_a_half_closed_short_body_is_400_not_silence(server):
    head = b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    status, _, body = exchange(server.server_address, head, b'{"pixels": []}', half_close=True)
    assert status == 400 and "ended after 14 of 100" in body["error"]


def test_an_idle_connection_is_closed(server):
    with socket.create_connection(server.server_address, timeout=TIMEOUT_S) as sock:
        start = time.monotonic()
        assert read_all(sock) == b""  # closed without a word: nothing was asked
        assert time.monotonic() - start < 10 * server.limits.head_timeout_s


def test_pipelined_requests_are_all_answered(server):
    with socket.create_connection(server.server_address, timeout=TIMEOUT_S) as sock:
        sock.sendall(get() + get("/nope") + get("/api/model", "Connection: close\r\n"))
        reply = read_all(sock)
    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", reply) == [b"200", b"404", b"200"]


# -- limits on concurrent work ------------------------------------------------------------
def test_over_the_connection_limit_is_json_503():
    with running_server(limits=Limits(max_connections=3)) as srv:
        idle = [socket.create_connection(srv.server_address, timeout=TIMEOUT_S) for _ in range(3)]
        try:
            time.sleep(0.2)  # let the server accept them
            status, headers, body = exchange(srv.server_address, get())
        finally:
            for sock in idle:
                sock.close()
        assert status == 503 and headers["retry-after"] == "1" and "limit" in body["error"]
        time.sleep(0.2)
        assert exchange(srv.server_address, get("/api/model", "Connection: close\r\n"))[0] == 200


def test_when_every_worker_stays_busy_the_queue_gets_503(monkeypatch):
    with running_server(limits=Limits(workers=1, request_timeout_s=0.5)) as srv:
        release = threading.Event()
        slow = srv.predictor.predict_body

        def stuck(raw: bytes) -> Any:
            release.wait(TIMEOUT_S)
            return slow(raw)

        monkeypatch.setattr(srv.predictor, "predict_body", stuck)
        body = json.dumps({"pixels": [[0.0] * 28] * 28}).encode()
        request = (f"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                   "Connection: close\r\n\r\n").encode() + body
        results: list = []
        first = threading.Thread(target=lambda: results.append(exchange(srv.server_address, request)))
        first.start()
        time.sleep(0.2)  # the first request holds the only worker
        status, headers, reply = exchange(srv.server_address, request)
        release.set()
        first.join(TIMEOUT_S)
        assert status == 503 and headers["retry-after"] == "1" and "worker" in reply["error"]
        assert results[0][0] == 200  # the one in the worker still finishes


def test_bodies_beyond_the_byte_budget_wait_then_get_503(monkeypatch):
    body = json.dumps({"pixels": [[0.0] * 28] * 28}).encode()
    limits = Limits(max_body=len(body), body_budget=len(body), request_timeout_s=0.5)
    with running_server(limits=limits) as srv:
        release = threading.Event()
        slow = srv.predictor.predict_body
        monkeypatch.setattr(srv.predictor, "predict_body", lambda raw: release.wait(TIMEOUT_S) and slow(raw))
        request = (f"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                   "Connection: close\r\n\r\n").encode() + body
        results: list = []
        first = threading.Thread(target=lambda: results.append(exchange(srv.server_address, request)))
        first.start()
        time.sleep(0.2)  # the first body is held (in a worker) and uses the whole budget
        status, _, reply = exchange(srv.server_address, request)
        release.set()
        first.join(TIMEOUT_S)
        assert status == 503 and "request bodies" in reply["error"]
        assert results[0][0] == 200


def test_limits_refuse_nonsense():
    with pytest.raises(ValueError, match="workers"):
        Limits(workers=0)
    with pytest.raises(ValueError, match="request_timeout_s"):
        Limits(request_timeout_s=float("nan"))
    with pytest.raises(ValueError, match="body_budget"):
        Limits(max_body=10, body_budget=5)
