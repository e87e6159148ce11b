"""The parameters of a learner's network: find them, perturb them, always put them back.

A learner's network keeps its weights either in a dict (``{"W1": ..., "b1": ...}``) or as
attributes of an object (``self.w1`` ... ``self.w12``, or ``self.W1`` arrays). A parameter is
any float (Python or NumPy, not bool) or floating-point ndarray found there.

While a check runs, every parameter is float64:

- a float64 array is perturbed in place, so code that reaches it through another name
  (a global ``W1`` that is also ``params["W1"]``) sees the change;
- a float32 array or a scalar is replaced by a float64 copy, so it must be read through
  the dict or the object.

``restore()`` puts back the original objects with their original values, whatever the
check or the learner's step did in between; callers run it in ``finally``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from .errors import CheckError


def is_param(value: Any) -> bool:
    """A float (not bool) or a floating-point ndarray."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def discover(holder: Any, data: tuple = ()) -> list[str]:
    """The names of the parameters in a dict or an object's attributes, in their order.
    An array that shares memory with one of ``data`` (the batch X or y, which a network
    object may keep as ``self.X``) is data, not a parameter."""
    items = holder.items() if isinstance(holder, dict) else _attributes(holder)
    arrays = [d for d in data if isinstance(d, np.ndarray)]
    return [str(k) for k, v in items if is_param(v) and not str(k).startswith("__")
            and not any(isinstance(v, np.ndarray) and np.may_share_memory(v, d) for d in arrays)]


def _attributes(obj: Any) -> Iterable[tuple[str, Any]]:
    try:
        return list(vars(obj).items())
    except TypeError:
        raise CheckError(f"params must be a dict or an object with attributes, received "
                         f"{type(obj).__name__}") from None


@dataclass
class _Entry:
    name: str
    original: Any          # the object the holder held before the check
    saved: np.ndarray      # a float64 copy of its values
    work: np.ndarray       # the float64 array the check perturbs
    in_place: bool         # True: work is the original array itself


class ParamSet:
    """The parameters of ``holder`` (a dict or an object), as float64 arrays to perturb.

    ``names`` selects some of them (default: all that :func:`discover` finds, ``data`` left out).
    """

    def __init__(self, holder: Any, names: Iterable[str] | None = None, data: tuple = ()) -> None:
        self.holder = holder
        found = discover(holder, data)
        self.found = found
        if names is None:
            names = found
        else:
            names = [names] if isinstance(names, str) else list(names)
            unknown = [n for n in names if n not in found]
            if unknown:
                raise CheckError(f"unknown parameter name(s) {unknown}: params holds {found or 'no floats or arrays'}")
        if not names:
            raise CheckError(f"params ({type(holder).__name__}) holds no float or floating-point array to check")
        self.names = list(names)
        self.entries: dict[str, _Entry] = {}
        self.installed = False

    # -- reading and writing the holder --------------------------------------------------
    def _get(self, name: str) -> Any:
        return self.holder[name] if isinstance(self.holder, dict) else getattr(self.holder, name)

    def _set(self, name: str, value: Any) -> None:
        if isinstance(self.holder, dict):
            self.holder[name] = value
        else:
            setattr(self.holder, name, value)

    def shape(self, name: str) -> tuple:
        return self.entries[name].work.shape

    def install(self) -> None:
        """Make every parameter float64 (see the module docstring); remember the originals."""
        for name in self.names:
            value = self._get(name)
            saved = np.array(value, dtype=np.float64)
            in_place = isinstance(value, np.ndarray) and value.dtype == np.float64
            work = value if in_place else saved.copy()
            self.entries[name] = _Entry(name, value, saved, work, in_place)
            self._show(name)
        self.installed = True

    def _show(self, name: str) -> None:
        """Put the work value where the learner's code reads it."""
        e = self.entries[name]
        if e.work.ndim == 0 and not isinstance(e.original, np.ndarray):
            self._set(name, float(e.work))
        else:
            self._set(name, e.work)

    def set_flat(self, name: str, i: int, value: float) -> None:
        """Set element ``i`` (flat index) of a parameter."""
        e = self.entries[name]
        e.work.reshape(-1)[i] = value
        if e.work.ndim == 0 and not isinstance(e.original, np.ndarray):
            self._set(name, float(e.work))

    def get_flat(self, name: str, i: int) -> float:
        return float(self.entries[name].work.reshape(-1)[i])

    def current(self, name: str) -> Any:
        """What the holder holds now (after a learner's step it may be a new object)."""
        return self._get(name)

    def values(self) -> dict[str, np.ndarray]:
        """Copies of the work values."""
        return {n: e.work.copy() for n, e in self.entries.items()}

    def reset(self, values: dict[str, np.ndarray] | None = None) -> None:
        """Put the work arrays back in the holder with ``values`` (default: the originals')."""
        for name, e in self.entries.items():
            np.copyto(e.work, e.saved if values is None else values[name])
            self._show(name)

    def restore(self) -> None:
        """Give the learner back their own objects with their own values."""
        for name, e in self.entries.items():
            if e.in_place:
                np.copyto(e.original, e.saved)
            self._set(name, e.original)
        self.installed = False


def takes_argument(fn: Callable) -> bool:
    """Whether ``fn`` takes one positional argument (the params) or none."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    required = [p for p in sig.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    if len(required) > 1:
        raise CheckError(f"{getattr(fn, '__name__', 'the function')} takes {len(required)} arguments; "
                         "it must take none (it reads the parameters itself) or one (the params)")
    return len(required) == 1 or any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())


def call(fn: Callable, holder: Any) -> Any:
    """Call a learner's function with the params when it takes them, else with nothing."""
    return fn(holder) if takes_argument(fn) else fn()
