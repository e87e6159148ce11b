"""ONNX export: ``to_onnx(model, path)`` writes a Sequential as an ONNX inference graph.

It is an optional extra (``pip install 'barenet[onnx]'``): the ``onnx`` package is
imported only when ``to_onnx`` runs, so ``import barenet`` never pulls it in, and the
engine never imports this module.

    >>> from barenet.onnx import to_onnx
    >>> to_onnx(model, "letters.onnx", input_shape=(1, 28, 28))  # doctest: +SKIP
    >>> import onnxruntime as ort  # doctest: +SKIP
    >>> ort.InferenceSession("letters.onnx").run(None, {"input": x})[0]  # == model.forward(x)

Layer mapping (every graph is float32; float64 weights are cast)::

    Dense       -> Gemm(A=x, B=W, C=b, transB=0)        W is (in, out), so no transpose
    Conv2D      -> Conv(W, b, kernel_shape, strides, pads=[ph, pw, ph, pw])
    MaxPool2D   -> MaxPool(kernel_shape, strides)      no padding, floor (ceil_mode=0)
    AvgPool2D   -> AveragePool(kernel_shape, strides)  no padding
    Flatten     -> Flatten(axis=1)
    Sigmoid, Tanh, ReLU -> Sigmoid, Tanh, Relu
    LeakyReLU   -> LeakyRelu(alpha=negative_slope)
    Softmax     -> Softmax(axis=-1)                    opset >= 13: one axis, as barenet's
    Dropout     -> nothing (the graph is for inference, where Dropout is the identity)

Only these exact types are exported; any other layer, including a subclass of one of
them (it may change the math), raises ``ValueError`` naming the layer.

The graph has one input ``"input"``, shape (N, *input_shape) with a symbolic batch
dimension ``N``, and one output ``"output"``, equal to ``model.forward(x)``: logits, or
probabilities when the model ends in Softmax or Sigmoid. No second "probabilities"
output is added: that would make the graph differ from the model, and for a single
sigmoid logit the probability pair [1 - p, p] needs extra nodes. The metadata key
``output`` says which of the two ``"output"`` holds, so a consumer knows whether to
apply a softmax.

Versions: the opset is explicit (``DEFAULT_OPSET``, 17, or any key of ``IR_VERSIONS``),
and the file's IR version is the one ONNX released with that opset, so files load in
any onnxruntime from 1.12 on, including the one the ``onnx`` extra pins.

Metadata (``model.metadata_props``, all strings): ``barenet_version``, ``input_shape``
(JSON list), ``output`` (``"logits"`` or ``"probabilities"``) and, when known,
``class_names`` (JSON list; from ``class_names=`` or the model file's record).
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Sequence

import numpy as np

from ._optional import require
from ._version import __version__
from .modelfile import atomic_write
from .nn.layers import (AvgPool2D, Conv2D, Dense, Dropout, Flatten, Layer, LeakyReLU, MaxPool2D, ReLU, Sigmoid,
                        Softmax, Tanh)
from .nn.model import Sequential

DEFAULT_OPSET = 17
# opset -> the IR version ONNX released with it (onnx.helper.VERSION_TABLE). Softmax needs
# opset >= 13 to act on one axis (before 13 it flattened everything after ``axis``).
IR_VERSIONS = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10}
INPUT, OUTPUT = "input", "output"

# A layer -> (ONNX op type, attributes, parameter arrays passed after the data input).
NodeSpec = tuple[str, dict[str, Any], list[np.ndarray]]


def _gemm(layer: Dense) -> NodeSpec:
    return "Gemm", {"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 0}, [layer.params["W"], layer.params["b"]]


def _conv(layer: Conv2D) -> NodeSpec:
    ph, pw = layer.padding
    attrs = {"kernel_shape": list(layer.kernel_size), "strides": list(layer.stride), "pads": [ph, pw, ph, pw],
             "dilations": [1, 1], "group": 1}
    return "Conv", attrs, [layer.params["W"], layer.params["b"]]


def _max_pool(layer: MaxPool2D) -> NodeSpec:
    return "MaxPool", {"kernel_shape": list(layer.kernel_size), "strides": list(layer.stride),
                       "pads": [0, 0, 0, 0], "ceil_mode": 0}, []


def _avg_pool(layer: AvgPool2D) -> NodeSpec:
    return "AveragePool", {"kernel_shape": list(layer.kernel_size), "strides": list(layer.stride),
                           "pads": [0, 0, 0, 0], "ceil_mode": 0, "count_include_pad": 0}, []


def _plain(op: str, **attrs: Any) -> Callable[[Layer], NodeSpec]:
    return lambda layer: (op, dict(attrs), [])


EXPORTERS: dict[type[Layer], Callable[[Any], NodeSpec]] = {
    Dense: _gemm,
    Conv2D: _conv,
    MaxPool2D: _max_pool,
    AvgPool2D: _avg_pool,
    Flatten: _plain("Flatten", axis=1),
    Sigmoid: _plain("Sigmoid"),
    Tanh: _plain("Tanh"),
    ReLU: _plain("Relu"),
    LeakyReLU: lambda layer: ("LeakyRelu", {"alpha": layer.negative_slope}, []),
    Softmax: _plain("Softmax", axis=-1),
}
SKIPPED = (Dropout,)  # the identity at inference
SUPPORTED = sorted(cls.__name__ for cls in (*EXPORTERS, *SKIPPED))


def to_onnx(model: Sequential, path: str | os.PathLike[str], *, input_shape: Sequence[int] | None = None,
            opset: int = DEFAULT_OPSET, class_names: Sequence[str] | None = None) -> None:
    """Write ``model`` as an ONNX graph to ``path`` (atomically), checked by ``onnx.checker``.

    Shape: input ``"input"`` (N, *input_shape) float32 -> output ``"output"`` (N, *out), the
    shape ``model.forward`` gives, e.g. (N, 1, 28, 28) -> (N, K) for lenet.

    ``input_shape`` is one sample's shape, (C, H, W) or (features,); by default the
    model file's ``record["input_shape"]``. ``class_names`` defaults to
    ``record["classes"]``. One forward pass on a zero batch checks ``input_shape`` against
    the layers. Raises ``ValueError`` for a layer with no ONNX mapping, an unsupported
    opset, a bad input shape or class list, and ``ImportError`` naming the extra when the
    ``onnx`` package is missing.
    """
    onnx = require("onnx", "onnx")
    if not isinstance(model, Sequential):
        raise TypeError(f"to_onnx: model must be a barenet Sequential, received {type(model).__name__}")
    if isinstance(opset, bool) or opset not in IR_VERSIONS:
        raise ValueError(f"to_onnx: opset must be one of {sorted(IR_VERSIONS)}, received {opset!r}")
    specs = _node_specs(model)
    record = getattr(model, "record", None) or {}
    shape = _input_shape(input_shape if input_shape is not None else record.get("input_shape"))
    out_shape = _probe(model, shape)
    names = _class_names(class_names if class_names is not None else record.get("classes"), out_shape)
    graph = _graph(onnx, specs, shape, out_shape)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="barenet", producer_version=__version__)
    proto.ir_version = IR_VERSIONS[opset]
    onnx.helper.set_model_props(proto, _metadata(model, shape, names))
    onnx.checker.check_model(proto, full_check=True)
    atomic_write(path, [proto.SerializeToString()])


def _node_specs(model: Sequential) -> list[NodeSpec | None]:
    """One NodeSpec per layer (None for a skipped one), or a ValueError naming the first unsupported layer."""
    specs: list[NodeSpec | None] = []
    for i, layer in enumerate(model.layers):
        kind = type(layer)
        if kind in SKIPPED:
            specs.append(None)
        elif kind in EXPORTERS:
            specs.append(EXPORTERS[kind](layer))
        else:
            raise ValueError(f"to_onnx: layer {i}, {layer.label}, is a {kind.__name__}, which has no ONNX "
                             f"mapping; the supported layer types are {', '.join(SUPPORTED)}")
    return specs


def _input_shape(shape: Any) -> tuple[int, ...]:
    if shape is None:
        raise ValueError("to_onnx: pass input_shape=(C, H, W) or (features,); the model does not record one")
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if not dims or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0 for d in dims):
        raise ValueError(f"to_onnx: input_shape must be positive ints per sample, e.g. (1, 28, 28), received {shape!r}")
    return tuple(int(d) for d in dims)


def _probe(model: Sequential, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Run a zero batch (1, *shape) through the layers; returns the per-sample output shape.

    The layers' own checks raise ShapeError when ``shape`` does not fit them. The layers
    run one by one in inference mode, so ``model.outputs`` is left as it was (and, as after
    any inference forward, no layer keeps a cache).
    """
    x = np.zeros((1, *shape), dtype=np.float32)
    for layer in model.layers:
        x = layer.forward(x, training=False)
    return tuple(int(d) for d in x.shape[1:])


def _class_names(names: Any, out_shape: tuple[int, ...]) -> list[str] | None:
    """Check that there is one name per output (or two for a single sigmoid output)."""
    if names is None:
        return None
    names = [str(n) for n in names]
    k = out_shape[0] if len(out_shape) == 1 else None
    if k is None or len(names) not in (k, 2 if k == 1 else k):
        raise ValueError(f"to_onnx: {len(names)} class names do not fit the output shape {('N', *out_shape)}; "
                         "give one per output (two for a single output)")
    return names


def _graph(onnx: Any, specs: list[NodeSpec | None], shape: tuple[int, ...], out_shape: tuple[int, ...]) -> Any:
    """The ONNX graph: one node per exported layer, parameters as initializers ``layers.{i}.{k}``."""
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    nodes, inits, x = [], [], INPUT
    kept = [i for i, spec in enumerate(specs) if spec is not None]
    for i in kept:
        op, attrs, params = specs[i]
        names = [f"layers.{i}.{k}" for k in ("W", "b")[: len(params)]]
        inits += [numpy_helper.from_array(np.asarray(p, dtype=np.float32), n) for n, p in zip(names, params)]
        y = OUTPUT if i == kept[-1] else f"layers.{i}.out"
        nodes.append(helper.make_node(op, [x, *names], [y], name=f"layers.{i}.{op}", **attrs))
        x = y
    if not kept:  # only Dropout layers: the graph is the identity
        nodes.append(helper.make_node("Identity", [INPUT], [OUTPUT], name="identity"))
    float32 = onnx.TensorProto.FLOAT
    return helper.make_graph(nodes, "barenet", [helper.make_tensor_value_info(INPUT, float32, ["N", *shape])],
                             [helper.make_tensor_value_info(OUTPUT, float32, ["N", *out_shape])],
                             initializer=inits)


def _metadata(model: Sequential, shape: tuple[int, ...], names: list[str] | None) -> dict[str, str]:
    last = [layer for layer in model.layers if type(layer) not in SKIPPED]
    probabilities = bool(last) and type(last[-1]) in (Softmax, Sigmoid)
    meta = {"barenet_version": __version__, "input_shape": json.dumps(list(shape)),
            "output": "probabilities" if probabilities else "logits"}
    if names is not None:
        meta["class_names"] = json.dumps(names)
    return meta


