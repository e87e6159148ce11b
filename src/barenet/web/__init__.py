"""A local web page to draw a letter and watch the network read it (``barenet serve``).

An optional adapter: it uses the engine and the application, and nothing imports it
except the ``serve`` command. The server is Python's standard ``http.server``; the
only extra package is Pillow, to decode the canvas's PNG (``pip install 'barenet[web]'``).

- ``api.py``: the Predictor (one model, a lock, JSON-ready answers).
- ``inputs.py``: strict checks and decoding of request bodies.
- ``server.py``: the HTTP routes, static files and ``make_server``.
- ``static/``: the page (HTML, CSS, JS; nothing loaded from elsewhere).
- ``models/letters.barenet``: the default model, trained with
  ``barenet train --dataset letters --arch lenet --out src/barenet/web/models/letters.barenet``.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "letters.barenet"
