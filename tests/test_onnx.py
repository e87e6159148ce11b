"""ONNX export: every exported graph passes onnx's full check and, run by onnxruntime, equals model.forward.

Each model is exported, checked with ``onnx.checker.check_model(full_check=True)``
(strict shape inference included), run on CPU at several batch sizes through the one
symbolic batch dimension, and compared with ``model.forward`` in float32 within 1e-5.
Biases start at zero, so they are redrawn at random first: a dropped or misplaced bias
would otherwise go unseen. Weights keep their initializer's scale, so activations stay at
the size training sees and float32 rounding stays within the tolerance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import barenet as bn  # noqa: E402
from barenet.cli.main import main  # noqa: E402
from barenet.onnx import DEFAULT_OPSET, IR_VERSIONS, SUPPORTED, to_onnx  # noqa: E402
from barenet.zoo import ARCHS  # noqa: E402
from helpers import LAYER_CASES, build  # noqa: E402

BATCHES = (1, 3, 17)
TOL = {"atol": 1e-5, "rtol": 1e-5}


def randomize(model: bn.Sequential, seed: int = 0) -> bn.Sequential:
    """Redraw every bias from N(0, 0.5^2), in place and in its dtype; weights stay as initialized."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if "b" in layer.params:
            layer.params["b"][...] = rng.normal(0.0, 0.5, layer.params["b"].shape)
    return model


def run_onnx(path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": x})[0]


def export_and_compare(model: bn.Sequential, input_shape: tuple, path, **kw) -> onnx.ModelProto:
    """Export, fully check, and compare onnxruntime with model.forward on several batch sizes."""
    to_onnx(model, path, input_shape=input_shape, **kw)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    rng = np.random.default_rng(1)
    for n in BATCHES:
        x = rng.uniform(-1.0, 1.0, (n, *input_shape)).astype(np.float32)
        got, want = run_onnx(path, x), model.forward(x)
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, **TOL)
    return proto


def every_layer_model() -> tuple[bn.Sequential, tuple]:
    """Each mappable layer type, with pairs for kernel, stride and padding. Input (2, 11, 9)."""
    trunk = [bn.Conv2D(2, 4, (3, 2), stride=(2, 1), padding=(1, 2)), bn.LeakyReLU(0.2),
             bn.AvgPool2D((2, 3), stride=(1, 2)), bn.Tanh(), bn.MaxPool2D((2, 2), stride=(1, 1)), bn.Flatten()]
    shape = (2, 11, 9)
    for layer in trunk:
        shape = layer.output_shape(shape)
    head = [bn.Dropout(0.5), bn.Dense(shape[0], 12), bn.Sigmoid(), bn.Dense(12, 8), bn.ReLU(),
            bn.Dense(8, 5), bn.Softmax()]
    return randomize(bn.Sequential(trunk + head, seed=0)), (2, 11, 9)


# -- every zoo architecture and every layer ----------------------------------------------------
ZOO_CASES = [("seed-1out", (1, 6, 6), 2), ("seed-softmax", (1, 6, 6), 2), ("mlp", (1, 8, 8), 10),
             ("mlp", (1, 28, 28), 26), ("lenet", (1, 28, 28), 26), ("lenet-wide", (1, 28, 28), 26),
             ("cnn3", (1, 28, 28), 26)]


def test_zoo_cases_cover_every_architecture():
    assert {name for name, _, _ in ZOO_CASES} == set(ARCHS)


@pytest.mark.parametrize("name, input_shape, k", ZOO_CASES, ids=[f"{c[0]}-{c[1][1]}" for c in ZOO_CASES])
def test_zoo_architecture_matches_forward(tmp_path, name, input_shape, k):
    model = randomize(ARCHS[name].build(input_shape, k, seed=0))
    proto = export_and_compare(model, input_shape, tmp_path / "m.onnx")
    (inp,), (out,) = proto.graph.input, proto.graph.output
    assert [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim] == ["N", *input_shape]
    assert out.name == "output"
    n_out = 1 if name == "seed-1out" else k
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == ["N", n_out]


def test_every_layer_type_matches_forward(tmp_path):
    model, input_shape = every_layer_model()
    proto = export_and_compare(model, input_shape, tmp_path / "all.onnx")
    ops = [node.op_type for node in proto.graph.node]
    assert ops == ["Conv", "LeakyRelu", "AveragePool", "Tanh", "MaxPool", "Flatten", "Gemm", "Sigmoid", "Gemm",
                   "Relu", "Gemm", "Softmax"]  # Dropout is gone
    assert sorted({type(layer).__name__ for layer in model.layers}) == SUPPORTED == sorted(bn.LAYERS)


@pytest.mark.parametrize("case", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_each_layer_alone(tmp_path, case):
    # Softmax on (3, 4) samples checks opset >= 13 semantics: one axis, not everything after it.
    model = randomize(bn.Sequential([build(case)]))
    export_and_compare(model, case[4], tmp_path / "layer.onnx")


@pytest.mark.parametrize("opset", sorted(IR_VERSIONS))
def test_each_opset_writes_its_ir_version(tmp_path, opset):
    model, input_shape = every_layer_model()
    proto = export_and_compare(model, input_shape, tmp_path / "m.onnx", opset=opset)
    assert proto.ir_version == IR_VERSIONS[opset]
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", opset)]


def test_defaults_are_explicit(tmp_path):
    model = randomize(ARCHS["mlp"].build((1, 8, 8), 10, seed=0))
    to_onnx(model, tmp_path / "m.onnx", input_shape=(1, 8, 8))
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert (DEFAULT_OPSET, proto.ir_version) == (17, 8) and proto.opset_import[0].version == 17


def test_float64_model_exports_as_float32(tmp_path):
    model = randomize(bn.Sequential([bn.Dense(6, 4, dtype="float64"), bn.Tanh(), bn.Dense(4, 3, dtype="float64")]))
    export_and_compare(model, (6,), tmp_path / "m.onnx")


def test_only_dropout_is_the_identity(tmp_path):
    proto = export_and_compare(bn.Sequential([bn.Dropout(0.3)]), (5,), tmp_path / "m.onnx")
    assert [node.op_type for node in proto.graph.node] == ["Identity"]


# -- metadata and the model file's record --------------------------------------------------------
def metadata(path) -> dict:
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def test_record_gives_input_shape_and_class_names(tmp_path):
    model = randomize(ARCHS["lenet"].build((1, 28, 28), 3, seed=0))
    bn.save(model, tmp_path / "m.bnm", record={"input_shape": [1, 28, 28], "classes": ["a", "b", "c"]})
    loaded = bn.load(tmp_path / "m.bnm")
    to_onnx(loaded, tmp_path / "m.onnx")
    meta = metadata(tmp_path / "m.onnx")
    assert json.loads(meta["class_names"]) == ["a", "b", "c"] and json.loads(meta["input_shape"]) == [1, 28, 28]
    assert meta["barenet_version"] == bn.__version__ and meta["output"] == "logits"
    x = np.random.default_rng(0).random((4, 1, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", x), model.forward(x), **TOL)


def test_metadata_says_probabilities_and_takes_class_names(tmp_path):
    model = randomize(ARCHS["seed-1out"].build((1, 6, 6), 2, seed=0))  # one sigmoid output, two classes
    to_onnx(model, tmp_path / "m.onnx", input_shape=(1, 6, 6), class_names=["O", "X"])
    meta = metadata(tmp_path / "m.onnx")
    assert meta["output"] == "probabilities" and json.loads(meta["class_names"]) == ["O", "X"]
    to_onnx(model, tmp_path / "bare.onnx", input_shape=(1, 6, 6))
    assert "class_names" not in metadata(tmp_path / "bare.onnx")
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert proto.producer_name == "barenet" and proto.producer_version == bn.__version__


def test_overwrites_atomically(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")
    model = randomize(ARCHS["mlp"].build((1, 8, 8), 10, seed=0))
    to_onnx(model, path, input_shape=(1, 8, 8))
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert os.listdir(tmp_path) == ["m.onnx"]  # no temporary file left behind


# -- errors ----------------------------------------------------------------------------------------
class Doubler(bn.Layer):
    def forward(self, x, training=False):
        return 2 * x

    def output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {}


class MyDense(bn.Dense):
    """A subclass may change the math, so it is not exported as a Gemm."""


@pytest.mark.parametrize("layer, kind", [(Doubler(), "Doubler"), (MyDense(4, 3), "MyDense")])
def test_unsupported_layer_names_itself_and_the_supported_types(tmp_path, layer, kind):
    model = bn.Sequential([bn.Dense(4, 4), layer])
    with pytest.raises(ValueError, match=f"layer 1, .* is a {kind}, which has no ONNX mapping") as info:
        to_onnx(model, tmp_path / "m.onnx", input_shape=(4,))
    assert ", ".join(SUPPORTED) in str(info.value)
    assert not (tmp_path / "m.onnx").exists() and os.listdir(tmp_path) == []


@pytest.mark.parametrize("kw, message", [
    ({}, "pass input_shape"),
    ({"input_shape": (1, 0, 6)}, "input_shape must be positive ints"),
    ({"input_shape": 36}, "input_shape must be positive ints"),
    ({"input_shape": (1, 8, 8)}, "MaxPool2D|Dense"),  # the layers' own shape check
    ({"input_shape": (1, 6, 6), "opset": 12}, "opset must be one of"),
    ({"input_shape": (1, 6, 6), "opset": True}, "opset must be one of"),
    ({"input_shape": (1, 6, 6), "class_names": ["a", "b", "c"]}, "3 class names do not fit"),
])
def test_bad_arguments_are_value_errors(tmp_path, kw, message):
    model = ARCHS["seed-softmax"].build((1, 6, 6), 2, seed=0)
    with pytest.raises(ValueError, match=message):
        to_onnx(model, tmp_path / "m.onnx", **kw)
    assert os.listdir(tmp_path) == []


def test_not_a_sequential(tmp_path):
    with pytest.raises(TypeError, match="barenet Sequential"):
        to_onnx([bn.Dense(2, 2)], tmp_path / "m.onnx", input_shape=(2,))


# -- the command line ----------------------------------------------------------------------------
def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "barenet", "export", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**os.environ, "BARENET_DEBUG": ""})


def test_cli_export_end_to_end(tmp_path):
    model = randomize(ARCHS["lenet"].build((1, 28, 28), 4, seed=0))
    bn.save(model, tmp_path / "m.bnm", record={"input_shape": [1, 28, 28], "classes": ["a", "b", "c", "d"]})
    run = cli(str(tmp_path / "m.bnm"), "--onnx", str(tmp_path / "m.onnx"))
    assert run.returncode == 0, run.stderr
    assert len(run.stdout.strip().splitlines()) == 1 and "m.onnx" in run.stdout and "opset 17" in run.stdout
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")), full_check=True)
    assert json.loads(metadata(tmp_path / "m.onnx")["class_names"]) == ["a", "b", "c", "d"]
    x = np.random.default_rng(0).random((6, 1, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", x), model.forward(x), **TOL)


def test_cli_missing_model_file_is_one_line(tmp_path):
    run = cli("no-such-model.bnm", "--onnx", "out.onnx", cwd=str(tmp_path))
    assert run.returncode != 0 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and "no-such-model.bnm" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "out.onnx").exists()


def test_cli_options_and_errors(tmp_path, capsys):
    model = randomize(ARCHS["mlp"].build((1, 8, 8), 3, seed=0))
    bn.save(model, tmp_path / "bare.bnm", record={})  # no input shape recorded
    out = str(tmp_path / "m.onnx")
    assert main(["export", str(tmp_path / "bare.bnm"), "--onnx", out]) == 1
    err = capsys.readouterr().err
    assert "pass input_shape" in err and len(err.strip().splitlines()) == 1
    assert main(["export", str(tmp_path / "bare.bnm"), "--onnx", out, "--input-shape", "1,8,8", "--opset", "13"]) == 0
    assert "opset 13" in capsys.readouterr().out
    assert onnx.load(out).opset_import[0].version == 13
    with pytest.raises(SystemExit):
        main(["export", str(tmp_path / "bare.bnm"), "--onnx", out, "--input-shape", "1x8x8"])
    assert "comma-separated whole numbers" in capsys.readouterr().err


# -- the optional extra --------------------------------------------------------------------------
def test_missing_onnx_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['onnx'] = None\n"
            "import barenet as bn\n"
            "print('onnx imported by barenet:', 'barenet.onnx' in sys.modules)\n"
            "model = bn.Sequential([bn.Dense(3, 2)])\n"
            "from barenet.onnx import to_onnx\n"
            "try:\n    to_onnx(model, 'm.onnx', input_shape=(3,))\nexcept ImportError as e:\n    print(e)\n"
            "bn.save(model, 'm.bnm', record={'input_shape': [3], 'classes': ['a', 'b']})\n"
            "from barenet.cli.main import main\n"
            "print('exit', main(['export', 'm.bnm', '--onnx', 'm.onnx']))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "onnx imported by barenet: False" in run.stdout
    assert "pip install 'barenet[onnx]'" in run.stdout and "exit 1" in run.stdout
    assert len(run.stderr.strip().splitlines()) == 1 and "pip install 'barenet[onnx]'" in run.stderr
    assert not (tmp_path / "m.onnx").exists()
