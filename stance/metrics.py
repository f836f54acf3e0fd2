"""Scores of predicted labels against gold labels: accuracy, macro-F1, F_avg, per-label figures, intervals.

Pure functions over lists of labels (and probabilities for calibration); building the predictions is
:mod:`stance.evaluation`'s job.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

F_AVG_LABELS = ("favor", "against")


def classification_scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict:
    """Accuracy, macro-F1, F_avg, per-label precision/recall/F1/support and the confusion matrix.

    Macro-F1 averages over every label of the label set that occurs in gold or predictions.
    F_avg is the SemEval-2016 metric: the mean F1 of "favor" and "against" (None when the labels lack them).

    >>> s = classification_scores(["favor", "against"], ["favor", "favor"], ["against", "favor", "neutral"])
    >>> round(s["accuracy"], 2), round(s["macro_f1"], 2)
    (0.5, 0.33)
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = list(labels)
    gold, pred = list(gold), list(pred)
    if len(gold) != len(pred):
        raise ValueError(f"gold and predictions differ in length: {len(gold)} vs {len(pred)}")
    if not gold:
        return {"n": 0, "accuracy": float("nan"), "macro_f1": float("nan"), "f_avg": None, "per_label": {},
                "confusion": [], "labels": labels}
    present = [lab for lab in labels if lab in set(gold) | set(pred)]
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    per_label = {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                 for i, lab in enumerate(labels)}
    f_avg = None
    if all(lab in labels for lab in F_AVG_LABELS):
        f_avg = float(np.mean([per_label[lab]["f1"] for lab in F_AVG_LABELS]))
    return {
        "n": len(gold),
        "accuracy": float(np.mean([g == q for g, q in zip(gold, pred)])),
        "macro_f1": float(np.mean([per_label[lab]["f1"] for lab in present])),
        "f_avg": f_avg,
        "per_label": per_label,
        "confusion": confusion_matrix(gold, pred, labels=labels).tolist(),
        "labels": labels,
    }


def bootstrap_interval(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str], *, metric: str,
                       n: int = 1000, seed: int = 0, alpha: float = 0.05) -> tuple[float, float]:
    """A percentile bootstrap (1 - alpha) interval of ``accuracy`` or ``macro_f1``; seeded, so reproducible."""
    gold_a, pred_a = np.asarray(gold, dtype=object), np.asarray(pred, dtype=object)
    if len(gold_a) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    lab_idx = {lab: i for i, lab in enumerate(labels)}
    g = np.array([lab_idx[x] for x in gold_a])
    q = np.array([lab_idx.get(x, -1) for x in pred_a])
    values = []
    for _ in range(n):
        i = rng.integers(0, len(g), len(g))
        values.append(_fast_metric(g[i], q[i], len(labels), metric))
    lo, hi = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def _fast_metric(g: np.ndarray, q: np.ndarray, k: int, metric: str) -> float:
    if metric == "accuracy":
        return float(np.mean(g == q))
    if metric != "macro_f1":
        raise ValueError(f"metric must be 'accuracy' or 'macro_f1', got {metric!r}")
    f1s = []
    for c in range(k):
        tp = np.sum((g == c) & (q == c))
        fp = np.sum((g != c) & (q == c))
        fn = np.sum((g == c) & (q != c))
        if tp + fp + fn == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s)) if f1s else 0.0


def calibration(confidence: Sequence[float], correct: Sequence[bool], *, bins: int = 10) -> dict:
    """Expected calibration error and a reliability table (per confidence bin: count, confidence, accuracy)."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    table, ece = [], 0.0
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if not mask.any():
            continue
        c, a = float(conf[mask].mean()), float(ok[mask].mean())
        ece += mask.sum() / max(len(conf), 1) * abs(c - a)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(mask.sum()), "confidence": c, "accuracy": a})
    return {"ece": float(ece), "table": table}
