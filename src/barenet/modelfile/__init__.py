"""Model files: one file per model that is safe to load and resumes training exactly.

- ``format.py``: the byte layout, limits and allowlists (read it first);
- ``writer.py``: ``save(model, path)``, written atomically through ``atomic.py``;
- ``reader.py``: ``load(path)``, which checks the bytes and the digest, then
- ``restore.py``: rebuilds the model from the untrusted header, through the registries only.

Imports: the engine (``barenet.nn``) and NumPy; nothing above it. See docs/architecture.md.
"""

from .atomic import atomic_write
from .reader import load
from .writer import save

__all__ = ["save", "load", "atomic_write"]
