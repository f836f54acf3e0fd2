"""Baselines that every evaluation reports beside the model: majority class and TF-IDF + logistic regression.

Both read the same :class:`~stance.data.Example` objects as the model and expose ``labels`` and
``predict_proba``, so the same evaluation and aggregation code scores them.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np

from .data import Example

MASK = " TARGETCO "


class MajorityBaseline:
    """Always the most frequent training label."""

    name = "majority"

    def __init__(self, labels: Sequence[str]):
        self.labels = list(labels)
        self.label_: str | None = None

    def fit(self, examples: Sequence[Example]) -> "MajorityBaseline":
        counts = Counter(e.label for e in examples)
        if not counts:
            raise ValueError("no training examples for the majority baseline")
        self.label_ = max(sorted(counts), key=counts.__getitem__)
        return self

    def predict_proba(self, examples: Sequence[Example], **_) -> np.ndarray:
        out = np.zeros((len(examples), len(self.labels)), dtype=np.float32)
        out[:, self.labels.index(self.label_)] = 1.0
        return out


class TfidfBaseline:
    """TF-IDF word 1-2-grams of the sentence (company mention masked) and the topic, logistic regression."""

    name = "tfidf_lr"

    def __init__(self, labels: Sequence[str], *, C: float = 4.0, seed: int = 0):
        self.labels = list(labels)
        self.C = C
        self.seed = seed
        self.pipeline_ = None

    @staticmethod
    def text(e: Example) -> str:
        s = e.sentence
        if e.mention is not None:
            a, b = e.mention
            s = s[:a] + MASK + s[b:]
        return f"{s} || topic: {e.topic or ''}"

    def fit(self, examples: Sequence[Example]) -> "TfidfBaseline":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        if len({e.label for e in examples}) < 2:
            raise ValueError("the TF-IDF baseline needs at least two labels in its training examples")
        self.pipeline_ = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_features=200_000),
            LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced", random_state=self.seed),
        )
        self.pipeline_.fit([self.text(e) for e in examples], [e.label for e in examples])
        return self

    def predict_proba(self, examples: Sequence[Example], **_) -> np.ndarray:
        if not len(examples):
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        p = self.pipeline_.predict_proba([self.text(e) for e in examples])
        out = np.zeros((len(examples), len(self.labels)), dtype=np.float32)
        for j, lab in enumerate(self.pipeline_.classes_):
            out[:, self.labels.index(lab)] = p[:, j]
        return out
