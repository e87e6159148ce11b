"""The training job behind ``barenet train``: pick the data and the architecture, train, report, save.

- ``train.py``: ``TrainConfig`` and ``train`` (new runs and exact resumes);
- ``progress.py``: the progress bar (a widget in a notebook, via ``tqdm.auto``), the
  ``Epoch N loss: X`` lines and the confusion matrix;
- ``plots.py``: curves, confusion matrix, filters, feature maps and mistakes as matplotlib
  figures (shown inline in a notebook) or PNGs (the ``plot`` extra);
- ``live.py``: ``LivePlot``, a callback that redraws the curves in a notebook after every epoch.

Imports: the engine, ``data``, ``modelfile`` and ``zoo``; never the CLI or the adapters.
"""
