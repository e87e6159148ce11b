"""Accuracy per style and per letter, and the most common confusions, as plain data and text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Scores:
    """Correct and total counts per group (style) and per letter, and the confusions."""

    classes: list[str]
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)  # style -> (correct, total)
    letters: dict[str, tuple[int, int]] = field(default_factory=dict)  # letter -> (correct, total)
    confusions: Counter = field(default_factory=Counter)  # (true, predicted) -> count

    def add(self, group: str, y: np.ndarray, pred: np.ndarray) -> None:
        """Count one group's labels ``y`` (N,) against predictions ``pred`` (N,)."""
        c, t = self.groups.get(group, (0, 0))
        self.groups[group] = (c + int(np.sum(pred == y)), t + len(y))
        for k, name in enumerate(self.classes):
            mask = y == k
            c, t = self.letters.get(name, (0, 0))
            self.letters[name] = (c + int(np.sum(pred[mask] == k)), t + int(mask.sum()))
        for true, guess in zip(y[pred != y], pred[pred != y]):
            self.confusions[self.classes[true], self.classes[guess]] += 1

    def accuracy(self, group: str) -> float:
        c, t = self.groups[group]
        return c / t

    def letter_accuracy(self) -> dict[str, float]:
        return {k: c / t for k, (c, t) in self.letters.items() if t}

    def table(self) -> str:
        """A Markdown table of accuracy per group, then the worst letters and top confusions."""
        lines = ["| style | accuracy | correct / total |", "| --- | --- | --- |"]
        lines += [f"| {g} | {c / t:.1%} | {c} / {t} |" for g, (c, t) in self.groups.items()]
        worst = sorted(self.letter_accuracy().items(), key=lambda kv: kv[1])[:8]
        lines.append("worst letters: " + ", ".join(f"{k} {v:.1%}" for k, v in worst))
        lines.append("top confusions: " + ", ".join(f"{a}->{b} {n}" for (a, b), n in self.confusions.most_common(10)))
        return "\n".join(lines)
