"""Import optional dependencies on demand, with an install hint when they are missing.

Application code calls ``require`` inside the function that needs the package, so
``import barenet`` (and ``import barenet.data``) never pulls in Pillow, matplotlib or
scikit-learn.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module_name: str, extra: str) -> ModuleType:
    """Import ``module_name`` (e.g. ``"PIL.Image"``) or explain which barenet extra provides it.

    Raises ImportError naming the module and the command to run:
    ``pip install 'barenet[EXTRA]'``.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as e:
        raise ImportError(
            f"this feature needs the optional package {module_name.split('.')[0]!r}, which is not installed; "
            f"install it with: pip install 'barenet[{extra}]'") from e
