"""Evaluate a model on annotated data, at example and company level, beside the baselines.

Examples are (sentence, company) units scored by ``predict_proba``; companies are (article, company) positions
obtained through the article pipeline and its aggregation rule, with the annotated companies given (company
detection is measured on its own, by ``benchmarks/companies.py``). For each level: accuracy, macro-F1, F_avg,
per-label figures, a confusion matrix, per-topic (and, for examples, per-company) scores and a seeded bootstrap
95% interval; for examples also calibration and the most confident errors. Rendering is :mod:`stance.report`'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .baselines import MajorityBaseline, TfidfBaseline
from .data import SPLITS, Example, StanceData, build
from .metrics import bootstrap_interval, calibration, classification_scores

log = logging.getLogger(__name__)


@dataclass
class EvaluationReport:
    """Every figure of one evaluation; ``to_text`` / ``to_markdown`` / ``to_dict`` render it."""

    model: str
    split: str
    labels: list[str]
    examples: dict[str, dict] = field(default_factory=dict)   # system -> scores
    companies: dict[str, dict] = field(default_factory=dict)  # system -> scores
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "split": self.split, "labels": self.labels, "examples": self.examples,
                "companies": self.companies, "notes": self.notes}

    def summary(self) -> dict[str, Any]:
        """The headline figures (stored in ``stance.json`` and the model card)."""
        out: dict[str, Any] = {}
        for level, systems in (("examples", self.examples), ("companies", self.companies)):
            for system, s in systems.items():
                out[f"{level}/{system}"] = {k: (round(s[k], 4) if isinstance(s.get(k), float) else s.get(k))
                                            for k in ("n", "accuracy", "macro_f1", "f_avg")}
        return out

    def to_text(self) -> str:
        from .report import render_text

        return render_text(self)

    def to_markdown(self) -> str:
        from .report import render_markdown

        return render_markdown(self)

    def plot(self, out_dir: str | Path) -> list[Path]:
        from .report import plot

        return plot(self, out_dir)


def evaluate(model, data: StanceData | str | Path | Sequence[str | Path], *, split: str = "test",
             baselines: bool = True, topic: bool = True, bootstrap: int = 1000, seed: int = 0,
             progress: bool = False) -> EvaluationReport:
    """Score ``model`` on one split (``train``/``dev``/``test``, or ``all``) of annotated data.

    Baselines are trained on the data's train split (so they are skipped for ``split="all"``).

    >>> report = evaluate(model, "stance/corpus", split="test")   # doctest: +SKIP
    >>> print(report.to_text())                                   # doctest: +SKIP
    """
    from .modeling import StanceModel

    if isinstance(model, (str, Path)):
        model = StanceModel.from_pretrained(model)
    if not isinstance(data, StanceData):
        data = build(data, labels=model.labels)
    _check_labels(model, data)
    if split not in (*SPLITS, "all"):
        raise ValueError(f"split must be one of {[*SPLITS, 'all']}, got {split!r}")
    examples = [e for s in SPLITS for e in data.examples[s]] if split == "all" else data.examples[split]
    articles = [a for s in SPLITS for a in data.articles[s]] if split == "all" else data.articles[split]
    report = EvaluationReport(str(getattr(model, "path", "")), split, list(model.labels))
    if not examples and not any(a.positions for a in articles):
        raise ValueError(f"nothing to evaluate in the {split!r} split (counts: {data.summary.examples})")

    systems: dict[str, Any] = {"stance": model}
    if baselines and split != "all" and data.examples["train"]:
        systems["majority"] = MajorityBaseline(model.labels).fit(data.examples["train"])
        systems["tfidf_lr"] = TfidfBaseline(model.labels, seed=seed).fit(data.examples["train"])
    elif baselines:
        report.notes.append("baselines skipped: they need a train split distinct from the evaluated one")

    for name, system in systems.items():
        if examples:
            report.examples[name] = example_scores(system, examples, detail=(name == "stance"),
                                                   bootstrap=bootstrap, seed=seed, progress=progress)
            if name == "stance" and topic and any(e.topic for e in examples):
                report.examples["stance_no_topic"] = example_scores(
                    system, [replace(e, topic=None) for e in examples], detail=False, bootstrap=bootstrap, seed=seed)
        if any(a.positions for a in articles):
            rule = model.settings.aggregation if name == "stance" else _baseline_rule(system, data)
            report.companies[name] = company_scores(system, articles, rule, bootstrap=bootstrap, seed=seed)
            if name == "stance" and topic and any(a.topic for a in articles):
                plain = [replace(a, topic=None) for a in articles]
                report.companies["stance_no_topic"] = company_scores(system, plain, rule, bootstrap=bootstrap,
                                                                     seed=seed)
    return report


def example_scores(system, examples: Sequence[Example], *, detail: bool = True, bootstrap: int = 1000,
                   seed: int = 0, progress: bool = False) -> dict:
    """Scores of one system on labelled examples; with ``detail``, breakdowns, calibration and worst errors."""
    labels = list(system.labels)
    probs = system.predict_proba(list(examples), progress=progress)
    pred = [labels[i] for i in probs.argmax(axis=1)]
    gold = [e.label for e in examples]
    scores = _with_intervals(gold, pred, labels, bootstrap, seed)
    if detail:
        conf = probs.max(axis=1)
        scores["calibration"] = calibration(conf, [g == p for g, p in zip(gold, pred)])
        scores["per_topic"] = _breakdown(gold, pred, labels, [e.topic or "(no topic)" for e in examples])
        scores["per_company"] = _breakdown(gold, pred, labels, [e.company for e in examples], top=15)
        wrong = sorted((i for i in range(len(gold)) if gold[i] != pred[i]), key=lambda i: -conf[i])[:10]
        scores["worst_errors"] = [
            {"sentence": examples[i].sentence, "company": examples[i].company, "gold": gold[i], "pred": pred[i],
             "confidence": round(float(conf[i]), 4), "article_id": examples[i].article_id} for i in wrong]
    return scores


def company_scores(system, articles, rule: dict, *, bootstrap: int = 1000, seed: int = 0) -> dict:
    """Company-level scores: each annotated (article, company) position against the aggregated prediction."""
    from .aggregate import aggregate
    from .pipeline import company_probabilities

    labels = list(system.labels)
    gold, groups = company_probabilities(system, articles)
    pred = [labels[aggregate(p, labels, rule)[0]] for p in groups]
    scores = _with_intervals(gold, pred, labels, bootstrap, seed)
    topics = [a.topic or "(no topic)" for a in articles if a.positions for _ in a.positions]
    scores["per_topic"] = _breakdown(gold, pred, labels, topics)
    scores["rule"] = dict(rule)
    return scores


def _baseline_rule(system, data: StanceData) -> dict:
    """Baselines get their own aggregation rule tuned on dev, as the model does."""
    from .aggregate import DEFAULT, tune

    return tune(system, data.articles["dev"]) if data.articles["dev"] else dict(DEFAULT)


def _with_intervals(gold, pred, labels, bootstrap: int, seed: int) -> dict:
    scores = classification_scores(gold, pred, labels)
    if bootstrap and gold:
        scores["ci95"] = {m: bootstrap_interval(gold, pred, labels, metric=m, n=bootstrap, seed=seed)
                          for m in ("accuracy", "macro_f1")}
    return scores


def _breakdown(gold, pred, labels, keys, *, top: int | None = None) -> dict[str, dict]:
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    items = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:top] if top else sorted(groups.items())
    out = {}
    for k, idx in items:
        s = classification_scores([gold[i] for i in idx], [pred[i] for i in idx], labels)
        out[k] = {"n": s["n"], "accuracy": s["accuracy"], "macro_f1": s["macro_f1"]}
    return out


def _check_labels(model, data: StanceData) -> None:
    unknown = sorted(set(data.labels) - set(model.labels))
    if unknown:
        raise ValueError(f"the data uses label(s) {unknown} that the model does not know (model labels: "
                         f"{model.labels}); evaluate with annotations in the model's label set")
