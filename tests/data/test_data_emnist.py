"""The EMNIST letters IDX loader, run on small IDX files the tests write themselves."""

import gzip
import os
import struct

import numpy as np
import pytest

from barenet.data import emnist, load

N, H, W = 12, 4, 3  # tiny, non-square images: a transposition cannot go unnoticed


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    """IDX layout: big-endian uint32 magic, one big-endian uint32 per dim, then uint8 data."""
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


def write(path, payload: bytes, gz: bool) -> None:
    with open(str(path) + (".gz" if gz else ""), "wb") as f:
        f.write(gzip.compress(payload) if gz else payload)


def upright_images() -> np.ndarray:
    """(N, H, W) uint8: each image is an "L" (left column and bottom row) plus a dot at the top right."""
    imgs = np.zeros((N, H, W), np.uint8)
    imgs[:, :, 0] = 255
    imgs[:, -1, :] = 255
    imgs[:, 0, -1] = np.arange(N) + 1  # the dot's brightness tells the samples apart
    return imgs


def write_split(folder, split: str, gz: bool, images=None, labels=None) -> None:
    images = upright_images() if images is None else images
    labels = (np.arange(N) % 26 + 1) if labels is None else labels
    # EMNIST stores each image transposed: write it the way the real files hold it.
    write(folder / f"emnist-letters-{split}-images-idx3-ubyte", idx_bytes(images.transpose(0, 2, 1), 0x803), gz)
    write(folder / f"emnist-letters-{split}-labels-idx1-ubyte", idx_bytes(labels, 0x801), gz)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("split", ["train", "test"])
def test_loads_upright_with_shifted_labels(tmp_path, gz, split):
    write_split(tmp_path, split, gz)
    ds = load("emnist-letters", split, path=tmp_path)
    assert ds.X.shape == (N, 1, H, W) and ds.X.dtype == np.float32 and ds.y.dtype == np.int64
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert ds.classes == [chr(ord("A") + k) for k in range(26)] and ds.name == "emnist-letters"
    order = np.argsort(ds.X[:, 0, 0, -1])  # undo the seeded order via the dot's brightness
    assert np.array_equal(ds.y[order], np.arange(N) % 26)  # labels 1..26 -> 0..25
    assert np.allclose(ds.X[order, 0], upright_images() / 255.0)  # upright, not transposed
    assert (ds.X[:, 0, :, 0] == 1).all() and (ds.X[:, 0, -1, :] == 1).all()  # the "L" stands upright


def test_raw_file_wins_over_gz_and_seed_orders(tmp_path):
    write_split(tmp_path, "train", gz=False)
    write_split(tmp_path, "train", gz=True, labels=np.full(N, 26))  # would give all "Z"
    a, b = load("emnist-letters", path=tmp_path), load("emnist-letters", path=tmp_path, seed=1)
    assert set(a.y.tolist()) != {25}
    assert np.array_equal(a.X, load("emnist-letters", path=tmp_path).X)  # same seed, same arrays
    assert not np.array_equal(a.y, b.y) and sorted(a.y.tolist()) == sorted(b.y.tolist())


def test_read_idx_parses_header(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(arr, 0x803))
    assert np.array_equal(emnist.read_idx(tmp_path / "a", 0x803), arr)


@pytest.mark.parametrize("gz", [False, True])
def test_bad_magic(tmp_path, gz):
    write_split(tmp_path, "train", gz)
    # Labels written with the images' magic: a swapped or foreign file.
    write(tmp_path / "emnist-letters-train-labels-idx1-ubyte", idx_bytes(np.ones(N, np.uint8), 0x803), gz)
    with pytest.raises(ValueError, match="magic should be 0x00000801, found 0x00000803"):
        load("emnist-letters", path=tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path, gz):
    write_split(tmp_path, "train", gz)
    payload = idx_bytes(upright_images().transpose(0, 2, 1), 0x803)[:-5]
    write(tmp_path / "emnist-letters-train-images-idx3-ubyte", payload, gz)
    with pytest.raises(ValueError, match="truncated"):
        load("emnist-letters", path=tmp_path)


def test_truncated_header_and_gzip_stream(tmp_path):
    (tmp_path / "h").write_bytes(struct.pack(">I", 0x803) + b"\x00\x00")
    with pytest.raises(ValueError, match="truncated IDX header"):
        emnist.read_idx(tmp_path / "h", 0x803)
    full = gzip.compress(idx_bytes(np.ones((2, 3, 4), np.uint8), 0x803))
    (tmp_path / "g").write_bytes(full[: len(full) // 2])
    with pytest.raises(ValueError, match="gzip"):
        emnist.read_idx(tmp_path / "g", 0x803)


def test_trailing_bytes(tmp_path):
    (tmp_path / "t").write_bytes(idx_bytes(np.ones(3, np.uint8), 0x801) + b"\x07")
    with pytest.raises(ValueError, match="trailing bytes"):
        emnist.read_idx(tmp_path / "t", 0x801)


def test_count_mismatch_and_label_range(tmp_path):
    write_split(tmp_path, "train", False, labels=np.ones(N - 1, np.uint8))
    with pytest.raises(ValueError, match=f"{N} images but {N - 1} labels"):
        load("emnist-letters", path=tmp_path)
    write_split(tmp_path, "train", False, labels=np.zeros(N, np.uint8))
    with pytest.raises(ValueError, match="1..26"):
        load("emnist-letters", path=tmp_path)


def test_missing_folder_files_and_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load("emnist-letters", path=tmp_path / "nowhere")
    write_split(tmp_path, "train", False)
    with pytest.raises(FileNotFoundError, match="emnist-letters-test-images-idx3-ubyte"):
        load("emnist-letters", "test", path=tmp_path)
    os.remove(tmp_path / "emnist-letters-train-labels-idx1-ubyte")
    with pytest.raises(FileNotFoundError, match="labels"):
        load("emnist-letters", path=tmp_path)
    with pytest.raises(ValueError, match="path="):
        load("emnist-letters")


def gzip_bomb(head: bytes, mib: int) -> bytes:
    """A gzip file: ``head``, then ``mib`` MiB of zeros, as concatenated members (~1 KB per MiB)."""
    zeros = gzip.compress(bytes(1 << 20), compresslevel=9)
    return gzip.compress(head) + zeros * mib


def traced_peak(call) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_is_stopped_after_the_declared_size(tmp_path):
    # A 1 MB .gz whose 1 GiB of zeros follow a header that declares 12 x 4 x 3 images.
    head = struct.pack(">IIII", 0x803, N, W, H)
    bomb = tmp_path / "emnist-letters-train-images-idx3-ubyte.gz"
    bomb.write_bytes(gzip_bomb(head, 1024))
    assert bomb.stat().st_size < 2 << 20

    def read():
        with pytest.raises(ValueError, match="trailing bytes"):
            emnist.read_idx(bomb, 0x803)

    assert traced_peak(read) < 8 << 20  # a few chunks, never the gigabyte


def test_dims_over_the_limit_are_refused_before_inflating(tmp_path):
    head = struct.pack(">IIII", 0x803, 1_400_000, 28, 28)  # 1.1 GB of images declared
    bomb = tmp_path / "emnist-letters-train-images-idx3-ubyte.gz"
    bomb.write_bytes(gzip_bomb(head, 64))
    write(tmp_path / "emnist-letters-train-labels-idx1-ubyte", idx_bytes(np.ones(N, np.uint8), 0x801), True)

    def read():
        with pytest.raises(ValueError, match=r"over the 268435456-byte limit") as info:
            load("emnist-letters", path=tmp_path)
        assert "\n" not in str(info.value) and str(bomb) in str(info.value)

    assert traced_peak(read) < 8 << 20
    assert emnist.MAX_IDX_BYTES >= 124800 * 28 * 28 + 16  # the real letters files fit
