"""Metrics, the evaluation report at both levels, baselines, aggregation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stance import StanceModel, build, evaluate
from stance.aggregate import aggregate
from stance.baselines import MajorityBaseline, TfidfBaseline
from stance.metrics import bootstrap_interval, calibration, classification_scores

LABELS = ["against", "favor", "neutral"]


def test_scores_match_hand_computed_values():
    gold = ["favor", "favor", "against", "neutral", "neutral", "against"]
    pred = ["favor", "against", "against", "neutral", "favor", "against"]
    s = classification_scores(gold, pred, LABELS)
    assert s["accuracy"] == pytest.approx(4 / 6)
    # F1: against 2*2/(2*2+1+0)=0.8, favor 2*1/(2+1+1)=0.5, neutral 2*1/(2+0+1)=2/3
    assert s["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert s["f_avg"] == pytest.approx((0.8 + 0.5) / 2)
    assert s["confusion"] == [[2, 0, 0], [1, 1, 0], [0, 1, 1]]
    assert s["per_label"]["favor"]["support"] == 2
    assert classification_scores(["pro"], ["pro"], ["pro", "con"])["f_avg"] is None


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(1)
    gold = list(rng.choice(LABELS, 300))
    pred = [g if rng.random() < 0.7 else "neutral" for g in gold]
    a = bootstrap_interval(gold, pred, LABELS, metric="macro_f1", n=300, seed=5)
    b = bootstrap_interval(gold, pred, LABELS, metric="macro_f1", n=300, seed=5)
    assert a == b
    est = classification_scores(gold, pred, LABELS)["macro_f1"]
    assert a[0] < est < a[1]


def test_calibration_of_a_perfectly_calibrated_set_is_near_zero():
    conf = [0.95] * 100 + [0.55] * 100
    correct = [True] * 95 + [False] * 5 + [True] * 55 + [False] * 45
    cal = calibration(conf, correct)
    assert cal["ece"] == pytest.approx(0.0, abs=1e-9)
    assert sum(r["n"] for r in cal["table"]) == 200


def test_one_clear_against_among_neutral_mentions_decides():
    p = np.array([[0.05, 0.05, 0.9]] * 4 + [[0.8, 0.1, 0.1]])
    label, probs, i = aggregate(p, LABELS, {"rule": "max", "threshold": 0.5})
    assert LABELS[label] == "against" and i == 4
    assert LABELS[aggregate(p, LABELS, {"rule": "mean"})[0]] == "neutral"
    changed = np.array([[0.1, 0.85, 0.05], [0.7, 0.2, 0.1]])  # backed first, withdrew later
    assert LABELS[aggregate(changed, LABELS, {"rule": "last", "threshold": 0.5})[0]] == "against"
    assert LABELS[aggregate(np.zeros((0, 3)), LABELS, {"rule": "max"})[0]] == "neutral"


def test_baselines_fit_and_predict(tiny_jsonl):
    data = build(tiny_jsonl)
    maj = MajorityBaseline(LABELS).fit(data.examples["train"])
    assert (maj.predict_proba(data.examples["test"]).sum(axis=1) == 1).all()
    tfidf = TfidfBaseline(LABELS).fit(data.examples["train"])
    pred = tfidf.predict_proba(data.examples["test"]).argmax(axis=1)
    acc = np.mean([LABELS[p] == e.label for p, e in zip(pred, data.examples["test"])])
    assert acc > 0.8  # the tiny task is lexical: "strongly supports" / "firmly opposes"


def test_report_has_both_levels_baselines_and_renders(tiny_model_dir, tiny_jsonl, tmp_path):
    report = evaluate(StanceModel.from_pretrained(tiny_model_dir), tiny_jsonl, split="test", bootstrap=200)
    assert set(report.examples) == {"stance", "stance_no_topic", "majority", "tfidf_lr"}
    assert {"stance", "majority", "tfidf_lr"} <= set(report.companies)
    s = report.examples["stance"]
    for key in ("accuracy", "macro_f1", "f_avg", "per_label", "confusion", "ci95", "calibration", "per_topic",
                "per_company", "worst_errors"):
        assert key in s, key
    assert report.companies["stance"]["n"] == sum(len(a.positions) for a in build(tiny_jsonl).articles["test"])
    text = report.to_text()
    assert "Companies (article, company)" in text and "tfidf_lr" in text and "confusion" in text
    assert "| stance |" in report.to_markdown()
    json.dumps(report.to_dict())
    pngs = report.plot(tmp_path / "plots")
    assert {p.name for p in pngs} == {"confusion_examples.png", "confusion_companies.png", "reliability.png"}
    assert all(p.stat().st_size > 1000 for p in pngs)
    again = evaluate(StanceModel.from_pretrained(tiny_model_dir), tiny_jsonl, split="test", bootstrap=200)
    assert again.examples["stance"]["ci95"] == s["ci95"]


def test_labels_the_model_does_not_know_are_refused(tiny_model_dir, tmp_path):
    path = tmp_path / "other.jsonl"
    path.write_text(json.dumps({"id": "x", "text": "Acme backs it.", "sentences": [
        {"text": "Acme backs it.", "company": "Acme", "label": "support"}]}) + "\n")
    with pytest.raises(Exception, match="support"):
        evaluate(tiny_model_dir, build(path, labels=["support", "oppose"]))
