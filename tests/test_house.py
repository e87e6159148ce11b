"""The house keeps its shape (docs/architecture.md): imports point down, no circles, a readable top level."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import grimp

import barenet

SRC = Path(barenet.__file__).parent
TESTS = Path(__file__).parent


def test_the_import_contracts_hold():
    # The same contracts `lint-imports` checks by hand; a violation fails CI here.
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=SRC.parents[1],
                          env={**os.environ, "PYTHONPATH": str(SRC.parent)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next((c for c in children if c in graph.modules), None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.find_modules_directly_imported_by(w)))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_no_module_imports_itself_back_through_others():
    # Imports inside functions count too; only `if TYPE_CHECKING:` annotations are left out.
    graph = grimp.build_graph("barenet", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_top_level_shows_the_parts():
    modules = sorted(p.name for p in SRC.glob("*.py"))
    packages = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())
    assert len(modules) <= 10, modules
    assert {"nn", "data", "modelfile", "explain", "doctor", "job", "cli", "web"} <= set(packages)


def test_every_part_says_what_it_holds_and_what_it_may_import():
    for init in sorted(SRC.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert len(doc) > 80, f"{init.relative_to(SRC)} needs a docstring"
        assert "import" in doc.lower(), f"{init.relative_to(SRC)}: say what this part may import"


def test_tests_mirror_the_packages():
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and any(p.glob("test_*.py"))}
    assert packages <= folders, packages - folders
