"""A held-out evaluation of the letters model: type and strokes that training never uses.

- ``debian_fonts``: A-Z from font families that Debian packages as ``fonts-*`` (installed by
  ``.ci/run``), grouped by style, rendered with Pillow as a page would show them and read
  through ``load_image`` like any user's picture.
- ``drawn``: A-Z drawn along stroke paths written here, not used in training, as a person
  draws on the page; the same paths drive the browser test's mouse.
- ``report``: per-style and per-letter accuracy, and the most common confusions.

This code is deliberately independent of the training renderers (``barenet.data.fonts`` and
``barenet.data.strokes``): it shares only ``load_image``, the path every user picture takes.
"""
