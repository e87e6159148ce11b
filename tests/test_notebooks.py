"""The notebooks in notebooks/ run from scratch in a real Jupyter kernel, and show what they say they show.

Each notebook is executed with nbclient (the kernel is this interpreter's ipykernel), then its
tagged cells are read: the layer table is an HTML table with the right rows, each training run
left exactly one inline picture (LivePlot updates it in place) and a notebook progress bar
(a widget, so tqdm.auto picked its notebook bar), the gradient numbers agree, and so on.
The stored notebooks carry no outputs (README: why), which is checked here too.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from html_helpers import read
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
EXECUTED = ["question.ipynb", "letters.ipynb", "check_your_own.ipynb"]
WIDGET = "application/vnd.jupyter.widget-view+json"


def execute(name: str) -> dict[str, nbformat.NotebookNode]:
    """Run the notebook in a fresh kernel with notebooks/ as the working directory; its code cells by tag."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return {tag: cell for cell in nb.cells if cell.cell_type == "code" for tag in cell.metadata.get("tags", [])}


def outputs(cell, mime: str) -> list[str]:
    return [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]


def printed(cell) -> str:
    return "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream" and o["name"] == "stdout")


def one_live_picture(cell, last_epoch: int) -> None:
    pictures = [o for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(pictures) == 1, "LivePlot must update one picture, not add one per epoch"
    assert pictures[0]["data"]["text/plain"].startswith(f"LivePlot: epoch {last_epoch}: loss ")
    assert outputs(cell, WIDGET), "ProgressBar should be tqdm.auto's notebook widget"


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebooks_are_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code), \
        f"strip {name}: jupyter nbconvert --clear-output --inplace notebooks/{name}"


def test_the_question_notebook():
    cells = execute("question.ipynb")
    table = read(outputs(cells["model-table"], "text/html")[0]).tables[0]
    assert table.column("Layer")[:5] == ["Dense(4, 2)", "Sigmoid()", "Dense(2, 2)", "Sigmoid()", "Softmax()"]
    difference = float(re.search(r"learner's code: (\S+)", printed(cells["model-table"])).group(1))
    assert difference < 1e-6  # barenet computes the learner's forward pass
    for tag in ("live-1", "live-2", "live-3"):
        one_live_picture(cells[tag], 20000)
    assert "O: p(O) = 0.730" in printed(cells["live-2"])  # stuck under sigmoid(1) = 0.731
    assert "O: p(O) = 1.000" in printed(cells["live-3"])
    grads = re.findall(r"^\s*(.+?): \[(.+)\]$", printed(cells["gradient"]), flags=re.M)
    assert [name for name, _ in grads][-4:] == ["chain rule J^T (-y/p)", "p - y", "barenet backward",
                                                "central difference"]
    assert {" ".join(values.split()) for _, values in grads[-4:]} == {"-0.3769 0.3769"}
    page = read(outputs(cells["explain"], "text/html")[0])
    checks = [r for t in page.tables if t.caption.startswith("Check:") for r in t.rows]
    assert len(checks) == 68 and {r.cells[-1] for r in checks} == {"✓"}
    gradcheck = read(outputs(cells["gradcheck"], "text/html")[0]).tables[0]
    assert set(gradcheck.column("verdict")) == {"ok"} and len(gradcheck.rows) == 5
    groups = {t.caption.split()[0]: t for t in read(outputs(cells["doctor"], "text/html")[0]).tables if t.caption}
    assert groups["Errors"].column("code") == ["double-squash", "labels-need-one-hot"]


def test_the_letters_notebook():
    cells = execute("letters.ipynb")
    table = read(outputs(cells["model-table"], "text/html")[0]).tables[0]
    assert "input (N, 1, 28, 28)" in table.caption and table.rows[-1].cells[1] == "Total"
    one_live_picture(cells["live"], 2)
    accuracy = float(re.search(r"unseen fonts: ([0-9.]+)", printed(cells["live"])).group(1))
    assert accuracy >= 0.85  # two epochs on a third of the training set (barenet train: about 0.97)
    for tag, pictures in (("filters", 1), ("feature-maps", 2), ("confusion", 1), ("mistakes", 1), ("drawn", 1)):
        assert len(outputs(cells[tag], "image/png")) == pictures, tag
    assert re.match(r"most frequent mistake: [A-Z] read as [A-Z] \(\d+ times\)", printed(cells["confusion"]))
    assert printed(cells["drawn"]).splitlines()[0].startswith("T: ")  # the drawn T is read as T first


def test_the_check_your_own_notebook():
    cells = execute("check_your_own.ipynb")
    buggy = printed(cells["check-buggy"])
    assert "all gradients agree: False" in buggy and "softmax-diagonal" in buggy
    page = read(outputs(cells["check-buggy"], "text/html")[0])
    assert set(page.tables[0].column("verdict")) == {"BAD"} and "softmax-diagonal" in outputs(
        cells["check-buggy"], "text/html")[0]
    assert "all gradients agree: True - findings: 0" in printed(cells["check-fixed"])
    assert "bn-bad" not in outputs(cells["check-fixed"], "text/html")[0]
    assert "the step follows the gradient: True" in printed(cells["check-step"])
    assert set(read(outputs(cells["check-step"], "text/html")[0]).tables[0].column("verdict")) == {"ok"}


def extra(name: str) -> set[str]:
    """The package names an extra of pyproject.toml lists (read as text: tomllib needs Python 3.11)."""
    text = (NOTEBOOKS.parent / "pyproject.toml").read_text()
    body = re.search(rf"^{name} = \[(.*?)\]\s*(?:#.*)?$", text, flags=re.M | re.S).group(1)
    return {re.split(r"[<>=\[]", item)[0] for item in re.findall(r'"([^"]+)"', body)}


def test_the_readme_names_the_notebook_extra_and_one_command_that_opens_them():
    readme = (NOTEBOOKS.parent / "README.md").read_text()
    assert "pip install -e '.[notebook]' && jupyter lab notebooks/" in readme
    assert {"jupyter", "ipykernel", "ipywidgets", "matplotlib", "pillow"} <= extra("notebook")
    assert {"nbclient", "nbformat", "ipykernel", "ipywidgets"} <= extra("test")  # CI runs the notebooks
    for name in EXECUTED:
        assert f"`{name}`" in readme
