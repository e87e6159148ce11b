"""Hostile pictures through ``barenet predict``: each is one clear line (or a right answer), never an
internal error, a Pillow warning or a decompression bomb."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from barenet.web import DEFAULT_MODEL


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny PNG file whose header claims width x height grey pixels (its data is a few bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


def jpeg_claiming(path: Path, width: int, height: int) -> Path:
    """A real small JPEG whose start-of-frame header is rewritten to claim width x height."""
    Image.new("L", (16, 16), 255).save(path, "JPEG")
    data = bytearray(path.read_bytes())
    sof = data.index(b"\xff\xc0")  # SOF0: marker, length (2), precision (1), height (2), width (2)
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))
    return path


def predict(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "barenet", "predict", str(DEFAULT_MODEL), *map(str, paths)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("make, name", [
    (lambda p: png_claiming(p / "huge.png", 30000, 30000), "a PNG claiming 30000 x 30000"),
    (lambda p: png_claiming(p / "wide.png", 2**31 - 1, 1), "a PNG claiming 2^31 - 1 x 1"),
    (lambda p: jpeg_claiming(p / "huge.jpg", 65500, 65500), "a JPEG claiming 65500 x 65500"),
])
def test_a_picture_over_the_pixel_limit_is_one_line_before_decoding(tmp_path, make, name):
    done = predict(make(tmp_path))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, (name, done.stderr)
    assert "too large" in lines[0] and "internal error" not in lines[0] and "Warning" not in done.stderr


@pytest.mark.parametrize("payload, words", [
    (b"", "not a readable image"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a readable image"),
    (b"GIF89a" + b"\xff" * 20, "not a readable image"),
])
def test_broken_files_are_one_line(tmp_path, payload, words):
    path = tmp_path / "broken.png"
    path.write_bytes(payload)
    done = predict(path)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "internal error" not in done.stderr


def test_large_real_pictures_are_refused_or_read_at_reduced_size_without_warnings(tmp_path):
    # 10000 x 10000 (100 Mpx) is over the limit: one line, before decoding. 7000 x 7000 is read.
    for side, ok in ((10000, False), (7000, True)):
        img = Image.new("L", (side, side), 255)
        draw, u = ImageDraw.Draw(img), side // 20
        draw.rectangle([9 * u, 3 * u, 11 * u, 17 * u], fill=0)  # a thick I with serifs
        draw.rectangle([6 * u, 3 * u, 14 * u, 5 * u], fill=0)
        draw.rectangle([6 * u, 15 * u, 14 * u, 17 * u], fill=0)
        path = tmp_path / f"big{side}.png"
        img.save(path)
        del img, draw
        done = predict(path)
        if ok:
            assert done.returncode == 0 and done.stderr == "", done.stderr
            assert done.stdout.splitlines()[0] == "I"
        else:
            assert done.returncode == 1 and done.stderr.count("\n") == 1 and "too large (10000 x 10000)" in done.stderr
