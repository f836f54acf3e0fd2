"""Accuracy on public stance data sets: stance beside TF-IDF + LR, frozen MiniLM + LR and majority, several seeds.

    python -m benchmarks.accuracy --data-dir ../shared/data [--datasets semeval2016_a ...] [--seeds 3]

Each (data set, system, seed) is a unit whose result is written to ``benchmarks/results/runs/accuracy/`` as soon
as it finishes; a unit already there is skipped, so a long run can be completed over several sittings (or on a
GPU machine). After every unit the summary ``benchmarks/results/accuracy.json`` and the tables in
``benchmarks/RESULTS.md`` are rewritten from all units present. ``--limit N`` makes a smoke run (N records per
split, results not saved). ``--tag r2`` runs and keeps stance units of the current recipe beside units saved
with an older one (the tables never average two recipes). ``--teachers 2`` trains stance by ensemble
distillation (``TrainConfig.teachers``), kept as units tagged ``distill2`` and shown as a recipe of its own.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from stance.baselines import MajorityBaseline, TfidfBaseline
from stance.config import TrainConfig
from stance.metrics import classification_scores

from . import adapters
from .common import RESULTS_DIR, commit, records_to_data, today, write_section

log = logging.getLogger("benchmarks.accuracy")
SYSTEMS = ("stance", "tfidf_lr", "frozen_lr", "majority")
RUNS_DIR = RESULTS_DIR / "runs" / "accuracy"
PRIMARY = {"semeval2016_a": "f_avg", "pstance": "macro_f1_targets", "newsmtsc_rw": "macro_f1",
           "newsmtsc_mt": "macro_f1", "ibm_claim_stance": "macro_f1"}
PUBLISHED = {
    "semeval2016_a": [("MITRE (SemEval-2016 winner, RNN)", "f_avg", 0.678), ("TweetEval RoBERTa-base (125M)", "f_avg", 0.680),
                      ("BERTweet (135M)", "f_avg", 0.712), ("TimeLMs RoBERTa (125M)", "f_avg", 0.729)],
    "pstance": [("BERTweet (135M), Li et al. 2021", "macro_f1_targets", 0.805)],
    "newsmtsc_rw": [("GRU-TSC (RoBERTa-base based, 125M+), Hamborg & Donnay 2021", "macro_f1", 0.831)],
    "newsmtsc_mt": [("GRU-TSC (RoBERTa-base based, 125M+), Hamborg & Donnay 2021", "macro_f1", 0.825)],
    "ibm_claim_stance": [],
}


def scores(gold: list[str], pred: list[str], labels: list[str], topics: list[str]) -> dict:
    """The data set's metrics: pooled accuracy/macro-F1/F_avg, and macro-F1 averaged over targets."""
    s = classification_scores(gold, pred, labels)
    out = {"accuracy": s["accuracy"], "macro_f1": s["macro_f1"]}
    if s["f_avg"] is not None:
        out["f_avg"] = s["f_avg"]
    per_target = {}
    for t in sorted(set(topics)):
        idx = [i for i, x in enumerate(topics) if x == t]
        st = classification_scores([gold[i] for i in idx], [pred[i] for i in idx], labels)
        per_target[t] = {"n": len(idx), "macro_f1": st["macro_f1"], "f_avg": st["f_avg"]}
    if 1 < len(per_target) <= 10:
        out["macro_f1_targets"] = float(np.mean([v["macro_f1"] for v in per_target.values()]))
        out["per_target"] = per_target
    return out


class FrozenEncoderBaseline:
    """Mean-pooled embeddings of the frozen base encoder (the pair text), logistic regression on top."""

    name = "frozen_lr"

    def __init__(self, labels, *, base=None, seed=0, device=None, batch_size=64):
        self.labels, self.base, self.seed, self.device, self.batch_size = list(labels), base, seed, device, batch_size
        self._cache: dict[tuple, np.ndarray] = {}

    def _embed(self, examples) -> np.ndarray:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from stance.inputs import InputTemplate
        from stance.modeling import default_base

        if not hasattr(self, "_model"):
            base = str(self.base or default_base())
            self._tok = AutoTokenizer.from_pretrained(base)
            dev = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            self._model = AutoModel.from_pretrained(base).to(dev).eval()
        template = InputTemplate(order="target_first", marker="none")  # fixed: (target, sentence), sentence cut
        out = np.zeros((len(examples), self._model.config.hidden_size), dtype=np.float32)
        order = sorted(range(len(examples)), key=lambda i: len(examples[i].sentence))
        for k in range(0, len(order), self.batch_size):
            idx = order[k:k + self.batch_size]
            pairs = [template.pair(examples[i]) for i in idx]
            enc = self._tok([p[0] for p in pairs], [p[1] for p in pairs], truncation="only_second", max_length=128,
                            padding=True, return_tensors="pt").to(self._model.device)
            with torch.inference_mode():
                h = self._model(**enc).last_hidden_state
                m = enc["attention_mask"].unsqueeze(-1).float()
                out[idx] = ((h * m).sum(1) / m.sum(1)).float().cpu().numpy()
        return out

    def embed(self, examples, key) -> np.ndarray:
        if key not in self._cache:
            self._cache[key] = self._embed(examples)
        return self._cache[key]

    def fit_predict(self, train, test, key) -> list[str]:
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced", random_state=self.seed)
        clf.fit(self.embed(train, (key[0], "train")), [e.label for e in train])
        return list(clf.predict(self.embed(test, key)))


def run_unit(dataset: str, system: str, seed: int, data, *, epochs: int | None, device: str | None,
             progress: bool, frozen: FrozenEncoderBaseline | None, base: str | None = None,
             overrides: dict | None = None, keep_proba: bool = False) -> dict:
    """Train one system with one seed on the train split; score it on dev and test.

    ``overrides`` changes fields of the default :class:`TrainConfig` (``benchmarks.recipes``); ``keep_proba``
    stores the stance model's dev and test probabilities in the result (to score averages of seeds later).
    """
    labels = list(data.labels)
    train_ex = data.examples["train"]
    started = time.time()
    preds: dict[str, list[str]] = {}
    proba: dict[str, list[list[float]]] = {}
    if system == "stance":
        from stance.training import train

        config = replace(TrainConfig(seed=seed, **({"epochs": epochs} if epochs else {})), **(overrides or {}))
        model = train(data, base=base, config=config, device=device, progress=progress, tune_aggregation=False,
                      evaluate_test=False)
        train_s = time.time() - started
        t0 = time.time()
        for split in ("dev", "test"):
            p = (model.predict_proba(data.examples[split], batch_size=128) if data.examples[split]
                 else np.zeros((0, len(labels))))
            preds[split] = [model.labels[i] for i in p.argmax(axis=1)]
            if keep_proba:
                proba[split] = np.round(p.astype(np.float64), 4).tolist()
        predict_s = time.time() - t0
        extra = {"epochs_run": model.settings.training["epochs_run"], "best_epoch": model.settings.training["best_epoch"],
                 "config": config.to_dict(), "template": model.settings.template.to_dict(),
                 "device": model.device.type, "bf16": model.settings.training["bf16"]}
        n_seen = len(train_ex) * extra["epochs_run"]
    else:
        if system == "frozen_lr":
            for split in ("dev", "test"):
                preds[split] = (frozen.fit_predict(train_ex, data.examples[split], (dataset, split))
                                if data.examples[split] else [])
        else:
            clf = (MajorityBaseline(labels) if system == "majority" else TfidfBaseline(labels, seed=seed)).fit(train_ex)
            for split in ("dev", "test"):
                p = clf.predict_proba(data.examples[split]) if data.examples[split] else np.zeros((0, len(labels)))
                preds[split] = [labels[i] for i in p.argmax(axis=1)]
        train_s, predict_s, extra, n_seen = time.time() - started, 0.0, {}, len(train_ex)
    result = {"dataset": dataset, "system": system, "seed": seed, "commit": commit(), "date": today(),
              "train_examples": len(train_ex), "train_seconds": round(train_s, 1),
              "train_examples_per_s": round(n_seen / max(train_s, 1e-9), 1),
              "predict_examples_per_s": round(sum(map(len, preds.values())) / predict_s, 1) if predict_s else None,
              **extra}
    for split in ("dev", "test"):
        exs = data.examples[split]
        if exs:
            result[split] = scores([e.label for e in exs], preds[split], labels, [e.topic or "" for e in exs])
    if proba:
        result["proba"] = {"labels": list(model.labels), **proba}
    return result


def summarise(runs: list[dict]) -> list[dict]:
    """Mean and standard deviation over seeds per (data set, split, system, recipe, metric).

    Runs of one system made with different recipes (the default changed over time) are never averaged together.
    """
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        groups.setdefault((r["dataset"], r["system"], _recipe(_settings(r))), []).append(r)
    records = []
    for (dataset, system, _), rs in sorted(groups.items()):
        for split in ("dev", "test"):
            metrics = sorted({m for r in rs for m, v in r.get(split, {}).items() if isinstance(v, float)})
            for m in metrics:
                vals = [r[split][m] for r in rs if m in r.get(split, {})]
                records.append({"dataset": dataset, "split": split, "system": system, "metric": m,
                                "mean": round(float(np.mean(vals)), 4), "std": round(float(np.std(vals)), 4),
                                "seeds": sorted(r["seed"] for r in rs), "commit": rs[-1]["commit"],
                                "date": rs[-1]["date"], "settings": _settings(rs[-1])})
    return records


def _settings(r: dict) -> dict:
    keys = ("train_examples", "train_seconds", "train_examples_per_s", "predict_examples_per_s", "epochs_run",
            "config", "template", "device", "bf16")
    return {k: r[k] for k in keys if k in r}


def markdown(records: list[dict], runs: list[dict]) -> str:
    by = {(r["dataset"], r["split"], (r["system"], _recipe(r["settings"])), r["metric"]): r for r in records}
    lines = ["## Public benchmarks (`python -m benchmarks.accuracy`)", "",
             "Each data set converted in memory by `benchmarks/adapters.py`; every system trained on the official "
             "training split and scored on the official test split in the same run; mean ± standard deviation over "
             "seeds. `stance` is the library's default training recipe on the packaged all-MiniLM-L6-v2 (22.7M "
             "parameters); `frozen_lr` is logistic regression on mean-pooled embeddings of the same, untuned encoder. "
             "Runs on `cuda` (an H200 lent for one sitting) used the packaged weights rounded to fp16 for transport "
             "(the machine takes 64 MiB) and cast back to fp32; the `recipe` column gives each stance run's settings, "
             "since the default recipe changed after the sweep. Units not listed have not been run yet: `make bench` "
             "resumes where the saved units stop.", ""]
    for dataset in adapters.DATASETS:
        systems = sorted({k[2] for k in by if k[0] == dataset}, key=lambda sr: (SYSTEMS.index(sr[0]), sr[1]))
        if not systems:
            continue
        primary = PRIMARY[dataset]
        metrics = [m for m in (primary, "macro_f1", "accuracy", "f_avg") if any(k[0] == dataset and k[3] == m
                                                                                  for k in by)]
        metrics = list(dict.fromkeys(metrics))
        lines += [f"### {dataset} (primary metric: {primary})", "",
                  "| system | seeds | " + " | ".join(f"test {m}" for m in metrics) + " | train ex/s | device | recipe |",
                  "|---|---|" + "---|" * len(metrics) + "---|---|---|"]
        for s in systems:
            cells = []
            for m in metrics:
                r = by.get((dataset, "test", s, m))
                cells.append("-" if r is None else f"{r['mean']:.3f} ± {r['std']:.3f}")
            any_r = next(r for k, r in by.items() if k[0] == dataset and k[2] == s)
            st = any_r["settings"]
            # a distilled run's seconds include its teachers' trainings, so examples/s would mislead
            distilled = (st.get("config") or {}).get("teachers")
            speed = st.get("train_examples_per_s", "-") if s[0] == "stance" and not distilled else "-"
            lines.append(f"| {s[0]} | {len(any_r['seeds'])} | " + " | ".join(cells) +
                         f" | {speed} | {st.get('device', 'cpu')} | {s[1]} |")
        for name, metric, value in PUBLISHED.get(dataset, []):
            cells = [f"{value:.3f}" if m == metric else "" for m in metrics]
            lines.append(f"| published: {name} | | " + " | ".join(cells) + " | | | |")
        lines.append("")
    return "\n".join(lines)


def _recipe(settings: dict) -> str:
    """Which training recipe a stance run used (the default changed during the first sitting)."""
    t, c = settings.get("template"), settings.get("config")
    if not t or not c:
        return "-"
    recipe = f"{t['order'].split('_')[0]} first, lr {c['learning_rate']:g}, <= {c['epochs']} epochs"
    if c.get("teachers"):
        recipe += f", distilled from {c['teachers']} teachers"
    return recipe + (", bf16" if settings.get("bf16") else "")  # runs before bf16 existed were fp32


def load_runs(runs_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(runs_dir.glob("*.json"))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=None, help="folder of the public data sets (default: ../shared/data)")
    p.add_argument("--datasets", nargs="+", default=list(adapters.DATASETS), choices=adapters.DATASETS)
    p.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    p.add_argument("--seeds", type=int, default=3, help="number of seeds (0, 1, ...)")
    p.add_argument("--epochs", type=int, default=None, help="override the default recipe's maximum epochs")
    p.add_argument("--limit", type=int, default=None, help="smoke run: N records per split, nothing saved")
    p.add_argument("--runs-dir", type=Path, default=RUNS_DIR)
    p.add_argument("--tag", default="", help="suffix of the stance unit files, so that units of a new recipe are run "
                   "and kept beside those saved with an older one (e.g. --tag r2); baselines are shared")
    p.add_argument("--teachers", type=int, default=0, help="train stance by distilling this many extra seeds "
                   "(TrainConfig.teachers); its units are tagged distillN (after --tag, if given)")
    p.add_argument("--device", default=None)
    p.add_argument("--base", default=None, help="base encoder directory (default: the packaged MiniLM)")
    p.add_argument("--report-only", action="store_true", help="only rewrite the summary and RESULTS.md")
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    smoke = args.limit is not None
    if args.teachers < 0:
        p.error(f"--teachers must be >= 0, got {args.teachers}")
    overrides = {"teachers": args.teachers} if args.teachers else None
    # distilled units always carry their own suffix, so saved plain units of the same tag are never taken for them
    args.tag = "_".join(t for t in (args.tag, f"distill{args.teachers}" if args.teachers else "") if t)
    args.runs_dir.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        for dataset in args.datasets:
            data = records_to_data(adapters.load(dataset, args.data_dir, limit=args.limit))
            frozen = (FrozenEncoderBaseline(data.labels, base=args.base, device=args.device)
                      if "frozen_lr" in args.systems else None)
            for system in args.systems:
                for seed in range(args.seeds if system != "majority" else 1):
                    tag = f"__{args.tag}" if args.tag and system == "stance" else ""
                    path = args.runs_dir / f"{dataset}__{system}__seed{seed}{tag}.json"
                    if path.exists() and not smoke:
                        log.info("skip %s (done)", path.name)
                        continue
                    try:
                        result = run_unit(dataset, system, seed, data, epochs=args.epochs, device=args.device,
                                          progress=not args.no_progress, frozen=frozen, base=args.base,
                                          overrides=overrides if system == "stance" else None)
                    except ValueError as e:  # e.g. a smoke run whose few records hold a single label
                        log.warning("%s %s seed %d not run: %s", dataset, system, seed, e)
                        continue
                    test = result.get("test", {})
                    print(f"{dataset:<17} {system:<10} seed {seed}: test {PRIMARY[dataset]} "
                          f"{test.get(PRIMARY[dataset], float('nan')):.4f}  macro-F1 {test.get('macro_f1', float('nan')):.4f}"
                          f"  ({result['train_seconds']} s)", flush=True)
                    if not smoke:
                        tmp = path.with_suffix(".tmp")
                        tmp.write_text(json.dumps(result, indent=1) + "\n")
                        tmp.replace(path)
                        _write_summary(args.runs_dir)
    if not smoke:
        _write_summary(args.runs_dir)
    return 0


def _write_summary(runs_dir: Path) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    runs = load_runs(runs_dir)
    records = summarise(runs)
    (RESULTS_DIR / "accuracy.json").write_text(json.dumps(records, indent=1) + "\n")
    write_section("accuracy", markdown(records, runs))


if __name__ == "__main__":
    raise SystemExit(main())
