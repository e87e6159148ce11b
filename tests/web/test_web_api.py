"""The JSON API of ``barenet serve``, against the real server on an ephemeral loopback port.

Every kind of bad request gets its status and a one-line ``{"error": ...}``, and the
server keeps answering afterwards; a valid drawing is read correctly, and 200 requests
in parallel are all answered.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import math
import socket
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import numpy as np
import pytest
from web_helpers import data_url, drawn_png, running_server

from barenet.data.images import load_image
from barenet.web.api import map_levels
from barenet.web.inputs import MAX_BODY_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE

TIMEOUT_S = 30


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with running_server() as srv:
        yield srv


def request(server, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def post_json(server, data: Any) -> tuple[int, Any]:
    status, headers, body = request(server, "POST", "/api/predict", json.dumps(data).encode(),
                                    {"Content-Type": "application/json"})
    assert headers["content-type"] == "application/json"
    return status, json.loads(body)


def raw_exchange(server, head: bytes, body: bytes = b"") -> tuple[int, Any]:
    """Send bytes on a socket, half-close, and read the answer: for requests http.client won't make."""
    with socket.create_connection(server.server_address[:2], timeout=TIMEOUT_S) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        reply = b"".join(iter(lambda: sock.recv(65536), b""))
    status_line, _, rest = reply.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def predict_head(length: int | str, extra: str = "") -> bytes:
    return (f"POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n").encode()


def png_of(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def with_chunk(png: bytes, kind: bytes, data: bytes) -> bytes:
    """``png`` with one more chunk right after IHDR (a valid CRC: only its type can refuse it)."""
    chunk = len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    return png[:33] + chunk + png[33:]


def forged_ihdr(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (8-bit grayscale); the pixels are never there."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    chunk = b"\0\0\0\x0dIHDR" + ihdr + zlib.crc32(b"IHDR" + ihdr).to_bytes(4, "big")
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\0\0\0\0IEND\xaeB`\x82"


def pixels_of(letter: str) -> list[list[float]]:
    return load_image(io.BytesIO(drawn_png(letter)), size=(28, 28))[0, 0].tolist()


ZEROS = [[0.0] * 28 for _ in range(28)]


def with_cell(value: Any) -> list[list[Any]]:
    rows = [row[:] for row in ZEROS]
    rows[3][5] = value
    return rows


# -- good requests -------------------------------------------------------------------
def test_model_description(server):
    status, headers, body = request(server, "GET", "/api/model")
    assert status == 200 and headers["content-type"] == "application/json"
    model = json.loads(body)
    assert model["input_shape"] == [1, 28, 28]
    assert model["classes"] == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert model["parameters"] == sum(layer["parameters"] for layer in model["layers"]) > 0
    specs = model["architecture"]["layers"]
    assert len(specs) == len(model["layers"]) and specs[0]["type"] == "Conv2D"
    first = specs[0]["config"]
    kh, kw = first["kernel_size"]
    assert model["layers"][0]["parameters"] == first["out_channels"] * (first["in_channels"] * kh * kw + 1)
    assert model["layers"][0]["name"].startswith(f"Conv2D({first['in_channels']}, {first['out_channels']}")
    assert model["layers"][-1]["output_shape"] == [26]


@pytest.mark.parametrize("letter", ["O", "X"])
def test_predict_a_drawn_letter(server, letter):
    status, answer = post_json(server, {"image": data_url(drawn_png(letter))})
    assert status == 200
    assert answer["class"] == letter == answer["classes"][answer["index"]]
    p = answer["probabilities"]
    assert len(p) == len(answer["classes"]) == 26
    assert math.isclose(sum(p), 1.0, abs_tol=1e-5) and min(p) >= 0
    assert max(p) == p[answer["index"]]
    assert np.asarray(answer["input"]).shape == (28, 28)


def test_layer_summaries_and_feature_maps(server):
    status, answer = post_json(server, {"image": data_url(drawn_png("O"))})
    assert status == 200
    layers = answer["layers"]
    _, _, body = request(server, "GET", "/api/model")
    described = json.loads(body)["layers"]
    assert [layer["name"] for layer in layers] == [layer["name"] for layer in described]
    assert [layer["shape"] for layer in layers] == [layer["output_shape"] for layer in described]
    for layer in layers:
        assert set(layer) >= {"name", "type", "shape", "mean", "min", "max", "active"}
        assert 0 <= layer["active"] <= 1 and layer["min"] <= layer["mean"] <= layer["max"]
        assert ("maps" in layer) == (layer["type"] == "Conv2D")
    conv = [layer for layer in layers if layer["type"] == "Conv2D"]
    assert conv, "the page shows conv feature maps: the model should have conv layers"
    for c in conv:  # base64 bytes, C x H x W, 0..255 for 0..max
        levels = np.frombuffer(base64.b64decode(c["maps"]), np.uint8)
        assert levels.size == int(np.prod(c["shape"]))
        assert levels.max() == (255 if c["max"] > 0 else 0)
    if layers[1]["type"] == "ReLU":  # ReLU passes the conv's maximum and nothing below 0
        assert layers[1]["max"] == conv[0]["max"] and layers[1]["min"] == 0.0
        first = np.frombuffer(base64.b64decode(conv[0]["maps"]), np.uint8)
        assert (first > 0).mean() <= layers[1]["active"]  # a level above 0 is a value above 0


def test_map_levels_follow_their_formula():
    out = np.array([[[-1.0, 0.0], [1.0, 2.0]], [[0.5, 0.004], [4.0, 1.5]]])  # (C, H, W) = (2, 2, 2)
    levels = np.frombuffer(base64.b64decode(map_levels(out, 2.0)), np.uint8).reshape(out.shape)
    expected = [[[0, 0], [128, 255]], [[64, 1], [255, 191]]]  # round(255 * clip(v, 0, 2) / 2)
    assert levels.tolist() == expected
    assert np.frombuffer(base64.b64decode(map_levels(np.zeros((1, 2, 2)), 0.0)), np.uint8).tolist() == [0] * 4


def test_pixels_give_the_same_answer_as_the_picture(server):
    status, by_pixels = post_json(server, {"pixels": pixels_of("X")})
    _, by_image = post_json(server, {"image": data_url(drawn_png("X"))})
    assert status == 200 and by_pixels["class"] == "X"
    np.testing.assert_allclose(by_pixels["probabilities"], by_image["probabilities"], atol=1e-4)


def test_blank_and_integer_pixels_are_fine(server):
    assert post_json(server, {"pixels": ZEROS})[0] == 200
    assert post_json(server, {"pixels": [[1] * 28 for _ in range(28)]})[0] == 200


def test_transparent_canvas_export_is_read_as_ink(server):
    from PIL import Image

    white_on_clear = Image.open(io.BytesIO(drawn_png("O"))).convert("L").point(lambda v: 255 - v)
    rgba = Image.new("RGBA", white_on_clear.size, (0, 0, 0, 0))
    rgba.putalpha(white_on_clear)
    status, answer = post_json(server, {"image": data_url(png_of(rgba))})
    assert status == 200 and answer["class"] == "O"


def test_page_and_static_files(server):
    status, headers, body = request(server, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html") and b"<canvas" in body
    assert "default-src 'self'" in headers["content-security-policy"]
    for path, kind in [("/app.js", "text/javascript"), ("/view.js", "text/javascript"), ("/style.css", "text/css")]:
        status, headers, body = request(server, "GET", path)
        assert status == 200 and headers["content-type"].startswith(kind) and len(body) > 100
    status, headers, body = request(server, "HEAD", "/?x=1")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 100


# -- bad requests ----------------------------------------------------------------------
BAD_BODIES = {
    "not JSON": b"pixels please",
    "not UTF-8": b'{"pixels": "\xff\xfe"}',
    "a JSON array": b"[1, 2]",
    "a JSON string": b'"hello"',
    "JSON null": b"null",
    "NaN literal": b'{"pixels": [[NaN]]}',
    "Infinity literal": b'{"pixels": [[Infinity]]}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "truncated JSON": b'{"pixels": [[0, 0',
    "a 5000-digit number": b'{"pixels": [[' + b"1" * 5000 + b"]]}",
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_json_is_400(server, body):
    status, headers, reply = request(server, "POST", "/api/predict", body, {"Content-Type": "application/json"})
    assert status == 400
    assert isinstance(json.loads(reply)["error"], str)
    assert "sys." not in json.loads(reply)["error"]  # Python's own advice (set_int_max_str_digits) is no answer


OVERFLOW = object()  # stands for a pixel written as 1e400


def _bad_payloads() -> dict[str, Any]:
    from PIL import Image

    ok_png = drawn_png("O")
    return {
        "no field": {},
        "both fields": {"pixels": ZEROS, "image": data_url(ok_png)},
        "unknown field": {"pixels": ZEROS, "colour": "red"},
        "misspelt field": {"pixel": ZEROS},
        "pixels a string": {"pixels": "0,0,0"},
        "pixels a number": {"pixels": 0.5},
        "pixels null": {"pixels": None},
        "pixels flat": {"pixels": [0.0] * 784},
        "pixels empty": {"pixels": []},
        "pixels 27 rows": {"pixels": ZEROS[:27]},
        "pixels 29 columns": {"pixels": [row + [0.0] for row in ZEROS]},
        "pixels ragged": {"pixels": ZEROS[:27] + [[0.0] * 27]},
        "pixels 3-D": {"pixels": [[[0.0]] * 28 for _ in range(28)]},
        "pixels transposed size": {"pixels": [[0.0] * 14 for _ in range(56)]},
        "pixel a string": {"pixels": with_cell("0.5")},
        "pixel a boolean": {"pixels": with_cell(True)},
        "pixel null": {"pixels": with_cell(None)},
        "pixel above 1": {"pixels": with_cell(1.5)},
        "pixel below 0": {"pixels": with_cell(-0.01)},
        "pixel overflowing to inf": OVERFLOW,
        "pixel a huge integer": {"pixels": with_cell(10**400)},
        "image a number": {"image": 7},
        "image a list": {"image": [data_url(ok_png)]},
        "image not a data URL": {"image": "http://localhost/o.png"},
        "image a JPEG data URL": {"image": "data:image/jpeg;base64," + base64.b64encode(ok_png).decode()},
        "image bad base64": {"image": "data:image/png;base64,iVBOR!!w0KGgo="},
        "image not a PNG": {"image": data_url(b"GIF89a" + bytes(100))},
        "image PNG signature then garbage": {"image": data_url(b"\x89PNG\r\n\x1a\n" + bytes(200))},
        "image truncated PNG": {"image": data_url(ok_png[: len(ok_png) // 2])},
        "image blank": {"image": data_url(png_of(Image.new("L", (280, 280), 255)))},
        "image without IHDR first": {"image": data_url(ok_png[:8] + ok_png[33:])},
        "image with a zTXt chunk": {"image": data_url(with_chunk(ok_png, b"zTXt", b"k\0\0" + zlib.compress(bytes(10**6))))},
        "image with an iCCP chunk": {"image": data_url(with_chunk(ok_png, b"iCCP", b"p\0\0" + zlib.compress(bytes(10**6))))},
    }


BAD_PAYLOADS = _bad_payloads()


@pytest.mark.parametrize("payload", BAD_PAYLOADS.values(), ids=BAD_PAYLOADS.keys())
def test_bad_payload_is_400(server, payload):
    if payload is OVERFLOW:  # json.dumps cannot write 1e400; JSON text can, and Python reads it as inf
        body = json.dumps({"pixels": with_cell(0.25)}).replace("0.25", "1e400").encode()
        status, _, reply = request(server, "POST", "/api/predict", body)
        error = json.loads(reply)["error"]
    else:
        status, reply = post_json(server, payload)
        error = reply["error"]
    assert status == 400
    assert isinstance(error, str) and error and "\n" not in error


def _too_many_pixels() -> dict[str, bytes]:
    from PIL import Image, ImageDraw

    clear = Image.new("RGBA", (4096, 4096), (0, 0, 0, 0))  # ~100 KB on the wire, ~0.5 GB decoded
    ImageDraw.Draw(clear).ellipse((900, 600, 3200, 3500), outline=(0, 0, 0, 255), width=300)
    side = int(MAX_IMAGE_PIXELS ** 0.5)
    return {"4096x4096 transparent drawing": png_of(clear),
            "one side over the limit": png_of(Image.new("1", (MAX_IMAGE_SIDE + 1, 8), 1)),
            "one pixel over the pixel limit": png_of(Image.new("1", (side + 1, side), 1)),
            "header claims 30000x30000": forged_ihdr(30000, 30000),
            "header claims 65500x65500": forged_ihdr(65500, 65500),
            "header claims 2^31 x 1": forged_ihdr(2**31 - 1, 1)}


TOO_MANY_PIXELS = _too_many_pixels()


@pytest.mark.parametrize("png", TOO_MANY_PIXELS.values(), ids=TOO_MANY_PIXELS.keys())
def test_pictures_over_the_pixel_limit_are_413_from_the_header(server, png, monkeypatch):
    import barenet.data.images as images

    def no_decoding(*args, **kwargs):
        raise AssertionError("the picture was decoded")

    monkeypatch.setattr(images, "load_image", no_decoding)  # the refusal must come before any decoding
    status, reply = post_json(server, {"image": data_url(png)})
    assert status == 413 and "pixels" in reply["error"] and str(MAX_IMAGE_PIXELS) in reply["error"]


def test_a_picture_at_the_pixel_limit_is_read(server):
    from PIL import Image

    side = int(MAX_IMAGE_PIXELS ** 0.5)
    big_o = Image.open(io.BytesIO(drawn_png("O", size=side, width=70)))
    status, answer = post_json(server, {"image": data_url(png_of(big_o))})
    assert big_o.size == (side, side) and side * side == MAX_IMAGE_PIXELS
    assert status == 200 and answer["class"] == "O"


def test_body_size_is_checked_before_reading(server):
    # Only the headers and a few bytes are sent: the answer must not wait for the rest.
    status, reply = raw_exchange(server, predict_head(MAX_BODY_BYTES + 1), b'{"pixels": ')
    assert status == 413 and "limit" in reply["error"]
    assert raw_exchange(server, predict_head(50 * 1024 * 1024 * 1024))[0] == 413


def test_oversized_body_sent_in_full_still_gets_413(server):
    # The client sends all of it before reading: the server discards it and answers 413.
    status, _, body = request(server, "POST", "/api/predict", b" " * (MAX_BODY_BYTES + 1000))
    assert status == 413 and "limit" in json.loads(body)["error"]


def test_length_problems(server):
    assert raw_exchange(server, predict_head("ten"))[0] == 400
    assert raw_exchange(server, predict_head("-5"))[0] == 400
    assert raw_exchange(server, predict_head(0))[0] == 400
    no_length = b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\n\r\n"
    assert raw_exchange(server, no_length)[0] == 411
    chunked = b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert raw_exchange(server, chunked, b"2\r\n{}\r\n0\r\n\r\n")[0] == 411
    # Fewer bytes than declared, then the client stops sending.
    status, reply = raw_exchange(server, predict_head(100), b'{"pixels": []}')
    assert status == 400 and "ended after" in reply["error"]


@pytest.mark.parametrize("method, path, allow", [
    ("GET", "/api/predict", "POST"), ("PUT", "/api/predict", "POST"), ("DELETE", "/api/predict", "POST"),
    ("POST", "/api/model", "GET, HEAD"), ("PATCH", "/", "GET, HEAD"), ("OPTIONS", "/app.js", "GET, HEAD"),
])
def test_wrong_method_is_405(server, method, path, allow):
    status, headers, body = request(server, method, path, b"{}" if method != "GET" else None)
    assert status == 405 and headers["allow"] == allow
    assert "not allowed" in json.loads(body)["error"]


@pytest.mark.parametrize("path", ["/nope", "/api", "/api/predict/", "/static/app.js", "/../pyproject.toml",
                                  "/%2e%2e/pyproject.toml", "/api/model.json"])
def test_unknown_path_is_404(server, path):
    for method in ("GET", "POST"):
        status, _, body = request(server, method, path, b"{}" if method == "POST" else None)
        assert status == 404 and json.loads(body)["error"]


def test_refusals_of_requests_with_large_bodies_still_arrive(server):
    body = b"0" * (MAX_BODY_BYTES // 2)  # sent in full although nobody reads it
    assert request(server, "POST", "/nope", body)[0] == 404
    assert request(server, "PUT", "/api/model", body)[0] == 405


def test_internal_error_is_500_without_details(server, monkeypatch):
    def broken(raw: bytes) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(server.predictor, "predict_body", broken)
    status, reply = post_json(server, {"pixels": ZEROS})
    assert status == 500 and reply == {"error": "internal server error"}
    monkeypatch.undo()
    assert post_json(server, {"pixels": ZEROS})[0] == 200


def test_still_serving_after_bad_requests(server):
    for body in list(BAD_BODIES.values())[:4]:
        request(server, "POST", "/api/predict", body)
    raw_exchange(server, predict_head(MAX_BODY_BYTES * 2))
    status, answer = post_json(server, {"pixels": pixels_of("O")})
    assert status == 200 and answer["class"] == "O"


# -- load ---------------------------------------------------------------------------------
def test_200_concurrent_requests_are_all_answered(server):
    # Alternate two letters and two encodings, so answers crossing between requests would show.
    bodies = {"O": {"image": data_url(drawn_png("O"))}, "X": {"pixels": pixels_of("X")}}
    jobs = ["OX"[i % 2] for i in range(200)]

    def one(letter: str) -> tuple[str, int, Any]:
        status, answer = post_json(server, bodies[letter])
        return letter, status, answer

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one, jobs, timeout=120))
    assert len(results) == 200
    for letter, status, answer in results:
        assert status == 200
        assert answer["class"] == letter
        assert math.isclose(sum(answer["probabilities"]), 1.0, abs_tol=1e-5)
