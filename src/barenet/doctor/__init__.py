"""``barenet doctor``: find what will stop a network from training, and say how to fix it.

``doctor(model, X, y, loss, optimizer=...)`` returns a Report: a list of Findings, each
with a severity ("error", "warning" or "info"), a short code such as ``double-squash``,
a plain explanation and the fix. It looks in three places:

1. the data: NaN or inf, sample counts, unscaled inputs;
2. the architecture and the loss, before any training (``static.py``): a softmax on
   top of a sigmoid, MSE on softmax outputs, probabilities given as logits, labels where
   one-hot rows are needed, target widths that do not match the outputs, ...;
3. a short probe run (``probe.py``): gradient norms per layer, saturated and dead
   units, update-to-weight ratios, whether the loss falls, and a learning-rate range test.

The caller's model, loss and optimizer are never touched: every pass runs on deep copies.
A check that cannot run (the model does not accept X, the loss rejects the targets) is
skipped, and the report says so instead of raising.

Files: ``checkup.py`` (the entry point), ``static.py``, ``probe.py``, ``report.py`` (Finding,
Report), ``question.py`` (the question's setup and its fix, for ``barenet doctor --question``).
Imports: the engine, ``data`` and ``zoo``; never the CLI, the training job or the adapters.
"""

from .checkup import doctor
from .question import Setup, fixed_setup, question_network, question_setup
from .report import SEVERITIES, Finding, Report

__all__ = ["doctor", "Finding", "Report", "SEVERITIES", "Setup", "question_network", "question_setup", "fixed_setup"]
