"""Exception classes raised by barenet.

Every error a user can cause is one of these, so callers (the CLI, the web
server, a notebook) can catch exactly what they mean to catch. Each one that
signals bad input also subclasses ``ValueError``, as Python code expects.
"""


class BarenetError(Exception):
    """Base class of every barenet error."""


class ShapeError(BarenetError, ValueError):
    """An array has the wrong rank, size or number of channels/features."""


class InputError(BarenetError, ValueError):
    """An array has bad values: NaN or inf, labels out of range, an empty batch."""


class NotReadyError(BarenetError, RuntimeError):
    """A method was called out of order, e.g. ``backward`` before ``forward``."""


class NonFiniteError(BarenetError, FloatingPointError):
    """Training or prediction produced NaN or inf; the message names the layer (and the epoch and batch,
    or the sample)."""


class ModelFileError(BarenetError, ValueError):
    """A model file is missing, corrupt, truncated, tampered or from the future."""
