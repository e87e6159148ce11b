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


def tiff_with_a_tag_past_its_end(path: Path) -> Path:
    """A valid 16 x 16 grey TIFF (a dark bar on white) whose Software tag points past the file's end.

    Pillow reads the picture but warns, once per pass over the tags, "Tag data larger than file".
    """
    side = 16
    pixels = bytearray(b"\xff" * side * side)
    for row in range(3, 13):
        pixels[row * side + 7 : row * side + 9] = b"\0\0"
    entries = [(256, 3, 1, side), (257, 3, 1, side), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 0), (277, 3, 1, 1), (278, 3, 1, side), (279, 4, 1, side * side),
               (305, 2, 5000, 99999)]  # Software: 5000 characters at offset 99999, far past the end
    data_at = 8 + 2 + 12 * len(entries) + 4
    ifd = b"".join(struct.pack("<HHI", tag, kind, count)
                   + (struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", data_at if tag == 273 else value))
                   for tag, kind, count, value in entries)
    path.write_bytes(b"II*\0" + struct.pack("<IH", 8, len(entries)) + ifd + b"\0\0\0\0" + bytes(pixels))
    return path


def test_pillow_warnings_about_damaged_metadata_stay_off_stderr(tmp_path):
    done = predict(tiff_with_a_tag_past_its_end(tmp_path / "tags.tiff"))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.splitlines()[0] == "I"


def test_a_decoder_value_error_is_one_line_naming_the_file(tmp_path):
    # A BMP header claiming 7000 x 7000 8-bit pixels, followed by two bytes: Pillow's decoder
    # raises ValueError("not enough image data"), which must still name the file.
    path = tmp_path / "short.bmp"
    path.write_bytes(b"BM" + struct.pack("<IHHI", 0, 0, 0, 54)
                     + struct.pack("<IiiHHIIiiII", 40, 7000, -7000, 1, 8, 1, 0, 0, 0, 0, 0) + b"\0" * 1024 + b"\0\1")
    done = predict(path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert "short.bmp" in lines[0] and "could not be decoded" in lines[0] and "internal error" not in lines[0]
