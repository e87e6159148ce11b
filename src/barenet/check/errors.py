"""The one exception class of ``barenet.check``."""

from __future__ import annotations

from ..nn.errors import BarenetError


class CheckError(BarenetError, ValueError):
    """The check cannot run: unknown parameter names, a gradient that is missing or not a
    number, a loss that is not one number, a learner's script without the names it needs."""
