"""Where a save may write: a regular file or a new name in an existing folder, nothing else.

``os.replace`` swaps whatever entry bears the name, so without a check a save to a FIFO,
or to a link to one, replaced it with a regular file (and, run as root, ``--out /dev/null``
would have replaced the device node). A folder or a missing folder failed late, with the
temp file's absolute name in the message. Each is now refused before anything is written,
with a message that names the path that was asked for.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import barenet as bn
from barenet.modelfile import atomic_write

from modelfile_helpers import tiny_model


def entries(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.mark.parametrize("target", ["fifo", "link-to-fifo"])
def test_a_fifo_or_a_link_to_one_is_refused_and_left_as_it_was(tmp_path: Path, target: str) -> None:
    os.mkfifo(tmp_path / "fifo")
    os.symlink("fifo", tmp_path / "link-to-fifo")
    before = entries(tmp_path)
    with pytest.raises(FileExistsError, match=f"cannot write '.*{target}'.*not a regular file"):
        bn.save(tiny_model(), tmp_path / target)
    assert entries(tmp_path) == before  # no temp file left behind
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode) and os.path.islink(tmp_path / "link-to-fifo")


def test_a_folder_is_refused_by_its_own_name(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    for target in (tmp_path / "runs", f"{tmp_path / 'runs'}{os.sep}"):
        with pytest.raises(IsADirectoryError) as info:
            bn.save(tiny_model(), target)
        assert str(info.value).startswith(f"cannot write {str(target)!r}") and ".tmp" not in str(info.value)
    assert entries(tmp_path) == ["runs"] and entries(tmp_path / "runs") == []


def test_a_missing_folder_and_an_empty_path_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"the folder '.*nowhere' does not exist") as info:
        atomic_write(tmp_path / "nowhere" / "m.barenet", [b"x"])
    assert ".tmp" not in str(info.value)
    with pytest.raises(FileNotFoundError, match="the path is empty"):
        atomic_write("", [b"x"])


def test_a_regular_file_and_a_link_to_one_are_still_written(tmp_path: Path) -> None:
    (tmp_path / "old.barenet").write_bytes(b"old")
    os.symlink("old.barenet", tmp_path / "link.barenet")
    atomic_write(tmp_path / "old.barenet", [b"new"])
    atomic_write(tmp_path / "link.barenet", [b"via link"])  # the link's name now holds the new file
    assert (tmp_path / "old.barenet").read_bytes() == b"new"
    assert (tmp_path / "link.barenet").read_bytes() == b"via link"
