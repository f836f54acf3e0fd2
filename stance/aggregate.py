"""From a company's sentence-level probabilities to its article-level position, and tuning that rule on dev data.

Rules (the probabilities of a company's examples, in text order, are the input):

- ``max``: the strongest non-neutral sentence decides when its probability reaches ``threshold``; otherwise the
  company is neutral. One clear ``against`` sentence among four neutral mentions makes the company ``against``.
- ``last``: like ``max``, but the latest sentence over the threshold decides (a position that changed).
- ``mean``: the label with the highest mean probability (the only rule for label sets without a neutral label).

:func:`tune` picks the rule and threshold with the best company-level macro-F1 on dev articles.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from .metrics import classification_scores

log = logging.getLogger(__name__)

RULES = ("max", "last", "mean")
NEUTRAL_NAMES = ("neutral", "none")
THRESHOLDS = tuple(float(round(x, 2)) for x in np.arange(0.3, 0.95, 0.05))
DEFAULT = {"rule": "max", "threshold": 0.5}


def neutral_index(labels: Sequence[str]) -> int | None:
    """Index of the label that means "no position" (neutral / none), if the label set has one."""
    for name in NEUTRAL_NAMES:
        if name in labels:
            return list(labels).index(name)
    return None


def aggregate(probs: np.ndarray, labels: Sequence[str], rule: dict) -> tuple[int, np.ndarray, int | None]:
    """(label index, company probabilities, index of the deciding example or None) for one company.

    >>> p = np.array([[.1, .1, .8], [.7, .1, .2], [.1, .1, .8]])   # against, favor, neutral
    >>> aggregate(p, ["against", "favor", "neutral"], {"rule": "max", "threshold": 0.5})[0]
    0
    """
    probs = np.asarray(probs, dtype=np.float64)
    neutral = neutral_index(labels)
    name = rule.get("rule", "max")
    if name not in RULES:
        raise ValueError(f"aggregation rule must be one of {list(RULES)}, got {name!r}")
    if len(probs) == 0:
        return (neutral if neutral is not None else 0), np.full(len(labels), 1 / len(labels)), None
    mean = probs.mean(axis=0)
    if name == "mean" or neutral is None:
        return int(mean.argmax()), mean, None
    other = probs.copy()
    other[:, neutral] = -1.0
    best = other.max(axis=1)                      # strongest non-neutral probability per example
    over = np.flatnonzero(best >= float(rule.get("threshold", 0.5)))
    if len(over) == 0:
        return neutral, mean, None
    i = int(over[-1]) if name == "last" else int(over[best[over].argmax()])
    return int(other[i].argmax()), probs[i], i


def tune(model, articles, *, progress: bool = False) -> dict:
    """The rule and threshold with the best company-level macro-F1 on annotated articles (their positions).

    Companies are given from the annotations (detection is measured on its own), so this tunes the rule alone.
    """
    from .pipeline import company_probabilities

    gold, groups = company_probabilities(model, articles, progress=progress)
    if not gold:
        return {**DEFAULT, "tuned_on": 0}
    labels = model.labels
    candidates = [{"rule": r, "threshold": t} for r in ("max", "last") for t in THRESHOLDS] + [{"rule": "mean"}]
    scored = []
    for cand in candidates:
        pred = [labels[aggregate(p, labels, cand)[0]] for p in groups]
        f1 = classification_scores(gold, pred, labels)["macro_f1"]
        # prefer the better score, then the rule that needs no threshold, then a threshold near 0.5
        scored.append((round(f1, 4), cand["rule"] == "mean", -abs(cand.get("threshold", 0.5) - 0.5), cand))
    f1, _, _, best = max(scored, key=lambda s: s[:3])
    log.info("aggregation tuned on %d dev companies: %s (macro-F1 %.4f)", len(gold), best, f1)
    return {**best, "dev_macro_f1": f1, "tuned_on": len(gold)}
