"""A local web page to draw a letter and watch the network read it (``barenet serve``).

An optional adapter: it uses the engine and the application, and nothing imports it
except the ``serve`` command. Starlette holds the routes, uvicorn serves them, and Pillow
decodes the canvas's PNG (``pip install 'barenet[web]'``).

- ``api.py``: the Predictor (one model, a lock, JSON-ready answers).
- ``inputs.py``: strict checks and decoding of request bodies; the PNG pixel limit.
- ``app.py``: the Starlette routes, static files, JSON errors and every per-request bound (``Limits``).
- ``protocol.py``: uvicorn's h11 protocol with JSON for its own answers and a head deadline.
- ``server.py``: ``make_server`` and ``WebServer``, uvicorn on a bound socket.
- ``static/``: the page (HTML, CSS, JS; nothing loaded from elsewhere).
- ``models/letters.barenet``: the default model, trained with
  ``barenet train --dataset letters --arch cnn3 --weights-only --out src/barenet/web/models/letters.barenet``.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "letters.barenet"
