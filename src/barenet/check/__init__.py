"""Check a learner's own network, written without barenet: gradients, steps, forward passes.

- :func:`check_gradients`: analytic gradients against central differences, with the bug named;
- :func:`check_step`: the gradient hidden in an in-place training step;
- :func:`doctor_forward`: a plain ``forward(X) -> outputs`` checked for the usual modelling mistakes;
- ``barenet check FILE.py`` runs them on a learner's script (script.py, docs/check.md).

Imports: NumPy and the engine only; the learner's own code is the thing under test.
"""

from .errors import CheckError
from .forward import ForwardReport, doctor_forward
from .gradients import check_gradients
from .report import Finding, GradientReport, Row
from .step import check_step

__all__ = ["CheckError", "Finding", "ForwardReport", "GradientReport", "Row", "check_gradients", "check_step",
           "doctor_forward"]
