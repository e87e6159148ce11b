"""How a model shows itself: the layer table in a notebook (HTML), in a terminal (summary), and as rows."""

from __future__ import annotations

import numpy as np
from html_helpers import read

import barenet as bn
from barenet.nn.tables import html_table, text_table


def question_net(seed=0):
    # 6x6 -> conv 3x3 x2 (4x4) -> pool (2x2) -> flatten 8 -> 2 sigmoid -> 2 logits
    return bn.Sequential([bn.Conv2D(1, 2, 3), bn.Sigmoid(), bn.MaxPool2D(2), bn.Flatten(),
                          bn.Dense(8, 2), bn.Sigmoid(), bn.Dense(2, 2)], seed=seed)


# Per-sample output sizes after each layer on a 1x6x6 input, worked out by hand:
# conv 2*4*4 = 32, sigmoid 32, pool 2*2*2 = 8, flatten 8, dense 2, sigmoid 2, dense 2 -> 86 values.
SHAPES = ["(N, 2, 4, 4)", "(N, 2, 4, 4)", "(N, 2, 2, 2)", "(N, 8)", "(N, 2)", "(N, 2)", "(N, 2)"]
PARAMS = ["20", "0", "0", "0", "18", "0", "6"]  # conv 2*1*3*3 + 2; dense 8*2 + 2; dense 2*2 + 2


def test_the_plain_repr_stays_the_constructor_call():
    assert repr(question_net()).startswith("Sequential([\n  Conv2D(in_channels=1")


def test_before_any_input_the_table_lists_layers_and_parameters_but_no_shapes():
    page = read(question_net()._repr_html_())
    (table,) = page.tables
    assert table.head == ["#", "Layer", "Output shape", "Parameters"]
    assert "input shape not known yet" in table.caption and "44 parameters" in table.caption
    body, total = table.rows[:-1], table.rows[-1]
    assert [r.cells[1] for r in body] == ["Conv2D(1, 2, (3, 3))", "Sigmoid()", "MaxPool2D((2, 2))", "Flatten()",
                                         "Dense(8, 2)", "Sigmoid()", "Dense(2, 2)"]
    assert [r.cells[2] for r in body] == ["?"] * 7
    assert [r.cells[3] for r in body] == PARAMS
    assert total.kind == "total" and total.cells == ["", "Total", "", "44"]
    assert ("p", "", "Not trained yet.") in page.texts


def test_after_a_forward_pass_the_shapes_and_the_per_sample_total_appear():
    model = question_net()
    model.predict(np.zeros((3, 1, 6, 6), np.float32))
    table = read(model._repr_html_()).tables[0]
    assert "input (N, 1, 6, 6)" in table.caption
    assert table.column("Output shape") == SHAPES + ["86 values per sample"]


def test_the_training_record_names_the_input_shape_first():
    model = question_net()
    model.record["input_shape"] = [1, 6, 6]
    assert model.input_shape == (1, 6, 6) and model.last_input_shape is None
    assert read(model._repr_html_()).tables[0].column("Output shape")[:7] == SHAPES


def test_a_rejected_input_does_not_become_the_known_shape():
    model = question_net()
    try:
        model.predict(np.zeros((1, 1, 5, 5), np.float32))  # conv 3x3 -> 3x3, pool -> 1x1, flatten 2 != 8
    except ValueError:
        pass
    assert model.input_shape is None


def test_a_trained_model_says_how_it_was_trained():
    model = question_net()
    X = np.random.default_rng(0).random((8, 1, 6, 6), dtype=np.float32)
    model.fit(X, np.arange(8) % 2, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1), epochs=2, batch_size=4)
    text = read(model._repr_html_()).texts[-1][2]
    assert text.startswith("Trained 2 epochs with loss SoftmaxCrossEntropy(") and "SGD(" in text


def test_summary_prints_the_same_table_for_a_terminal():
    lines = []
    question_net().summary((1, 6, 6), print_fn=lines.append)
    assert lines[0] == "Sequential: 7 layers, 44 parameters, input (N, 1, 6, 6)"
    assert set(lines[1]) == {"="} and lines[2].split() == ["#", "Layer", "Output", "shape", "Parameters"]
    rows = lines[4:11]
    assert [r.split()[0] for r in rows] == [str(i) for i in range(7)]
    assert [r.split()[-1] for r in rows] == PARAMS
    assert "(N, 2, 2, 2)" in rows[2] and rows[4].startswith("4  Dense(8, 2)")
    assert lines[12].split() == ["Total", "86", "values", "per", "sample", "44"]
    assert lines[13] == "Parameter memory: 176 bytes"  # 44 float32 values
    assert len({len(lines[1]), len(lines[3]), len(lines[11])}) == 1  # rules as wide as the table


def test_summary_rows_give_the_table_as_data():
    rows = question_net().summary_rows((1, 6, 6))
    assert rows[0] == ("Conv2D(1, 2, (3, 3)) at layer 0", (2, 4, 4), 20)
    assert [n for _, _, n in rows] == [int(p) for p in PARAMS]
    assert [shape for _, shape, _ in question_net().summary_rows()] == [None] * 7


def test_cells_are_escaped_and_rows_can_be_marked():
    html = html_table(["name", "value"], [["<b>x</b> & y", 1.5], ["z", 2]], caption="a < b",
                      row_classes=["bad", ""], numeric=[False, True])
    assert "<b>x" not in html and "&lt;b&gt;x&lt;/b&gt; &amp; y" in html
    table = read(html).tables[0]
    assert table.caption == "a < b" and table.rows[0].cells == ["<b>x</b> & y", "1.5"]
    assert [r.kind for r in table.rows] == ["bad", ""]
    assert 'style="text-align:right' in html.split("1.5")[0].rsplit("<td", 1)[1]


def test_text_tables_align_numbers_right():
    assert text_table(["a", "n"], [["xyz", 5], ["w", 123]], numeric=[False, True]) == [
        "a      n", "xyz    5", "w    123"]
