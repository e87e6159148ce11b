"""The drawing page's files and its shipped model: local only, packaged, small.

The page must work with no network: no CDN, no external fonts or scripts, and no
address outside the server anywhere in its files. ``barenet serve`` with no model
uses the letters model shipped inside the package.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

import barenet
from barenet.web import DEFAULT_MODEL
from barenet.web.app import STATIC, read_static

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "barenet" / "web"
STATIC_FILES = sorted((WEB / "static").iterdir())


@pytest.mark.parametrize("path", STATIC_FILES, ids=lambda p: p.name)
def test_static_files_name_no_external_address(path):
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    # No protocol-relative or other-scheme references in attributes, CSS url() or @import.
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*//""", text)
    assert not re.search(r"""url\(\s*["']?\s*(//|[a-z]+:(?!,))""", text, re.IGNORECASE)
    assert "@import" not in text and "@font-face" not in text


def test_page_references_only_files_the_server_serves():
    html = (WEB / "static" / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert refs, "the page should load its script and stylesheet"
    for ref in refs:
        assert ref == "data:," or "/" + ref in STATIC, f"index.html references {ref!r}, which the server does not serve"
    assert {name for name, _ in STATIC.values()} == {p.name for p in STATIC_FILES}


def test_static_files_are_read_from_the_installed_package():
    files = read_static()
    assert files["/"][0].startswith(b"<!doctype html>")
    assert files["/"][0] == files["/index.html"][0]


def test_static_files_and_model_are_package_data():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on Python 3.10
    section = pyproject.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    patterns = json.loads(re.search(r"^barenet\s*=\s*(\[.*?\])", section, re.MULTILINE | re.DOTALL).group(1))
    package = Path(barenet.__file__).resolve().parent
    for path in [*STATIC_FILES, DEFAULT_MODEL]:
        relative = path.resolve().relative_to(package).as_posix()
        assert any(fnmatch(relative, p) for p in patterns), f"{relative} is not in package-data {patterns}"
    web = re.search(r'^web = (\[.*?\])$', pyproject, re.MULTILINE)
    assert web, "pyproject.toml has no web extra"
    needs = {re.split(r"[<>=\[]", spec)[0] for spec in json.loads(web.group(1))}
    assert needs == {"pillow", "starlette", "uvicorn", "threadpoolctl"}


def test_shipped_model_is_small_and_reads_letters():
    assert DEFAULT_MODEL.is_file(), ("the default model is missing; train it with: barenet train --dataset letters "
                                     "--arch lenet --out src/barenet/web/models/letters.barenet")
    assert DEFAULT_MODEL.stat().st_size < 1_000_000
    model = barenet.load(DEFAULT_MODEL)
    assert model.record["input_shape"] == [1, 28, 28]
    assert model.record["classes"] == [chr(c) for c in range(ord("A"), ord("Z") + 1)]


def test_static_files_stay_small():
    for path in STATIC_FILES:
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, f"{path.name} has grown past 400 lines"
