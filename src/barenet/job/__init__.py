"""The training job behind ``barenet train``: pick the data and the architecture, train, report, save.

- ``train.py``: ``TrainConfig`` and ``train`` (new runs and exact resumes);
- ``progress.py``: the progress bar, the ``Epoch N loss: X`` lines and the confusion matrix;
- ``plots.py``: loss curves, confusion matrix, filters and mistakes as PNGs (the ``plot`` extra).

Imports: the engine, ``data``, ``modelfile`` and ``zoo``; never the CLI or the adapters.
"""
