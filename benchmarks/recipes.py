"""Does a change to the default training recipe help on every kind of data? Chosen on dev, reported on test.

    python -m benchmarks.recipes [--datasets corpus semeval2016_a newsmtsc_rw] [--variants ...] [--seeds 3]
                                 [--jobs 4] [--data-dir ../shared/data]

Each variant changes one field of the library's default :class:`~stance.config.TrainConfig`; each (data set,
variant, seed) is a unit trained on the train split and scored on dev and test, saved to
``benchmarks/results/runs/recipes/`` as soon as it finishes (a unit already there is skipped, so a run can be
completed over several sittings or on a GPU machine). ``corpus`` is the bundled corpus at example level; the
others are the public sets of ``benchmarks.accuracy``, scored by their primary metric. Units keep their dev and
test probabilities, so the table also gives the average of the seeds' probabilities (an ensemble of the seeds).

The rule fixed before looking: a variant replaces the default only if its mean dev score over seeds is higher
on every data set; test figures are reported, never used to choose. ``--jobs N`` trains N units at once in
separate processes (useful on a GPU, where one small model leaves the device mostly idle).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from .common import RESULTS_DIR, ROOT, write_section

log = logging.getLogger("benchmarks.recipes")
RUNS_DIR = RESULTS_DIR / "runs" / "recipes"
DATASETS = ("corpus", "semeval2016_a", "newsmtsc_rw", "newsmtsc_mt", "pstance", "ibm_claim_stance")
# Each variant is a change from the library's default TrainConfig (see stance/config.py).
VARIANTS: dict[str, dict] = {
    "default": {},
    "lr_5e-5": {"learning_rate": 5e-5},
    "lr_2e-4": {"learning_rate": 2e-4},
    "epochs_8": {"epochs": 8, "patience": 3},
    "no_class_weights": {"class_weights": False},
    "label_smoothing_0.1": {"label_smoothing": 0.1},
    "batch_32": {"batch_size": 32},
    "warmup_0.2": {"warmup_ratio": 0.2},
    "average_epochs": {"average_epochs": True},
    "epochs_8_averaged": {"epochs": 8, "patience": 3, "average_epochs": True},
    "distill_2": {"teachers": 2},  # 3 trainings (two teachers, seeds seed+1 and seed+2), one model's inference
}
_DATA: dict[tuple, object] = {}


def primary(dataset: str) -> str:
    from .accuracy import PRIMARY

    return PRIMARY.get(dataset, "macro_f1")


def load(dataset: str, data_dir: str | None, corpus: Path):
    """The data set as :class:`~stance.data.StanceData` (cached per process)."""
    key = (dataset, data_dir, str(corpus))
    if key not in _DATA:
        if dataset == "corpus":
            from stance.data import build

            _DATA[key] = build(corpus)
        else:
            from . import adapters
            from .common import records_to_data

            _DATA[key] = records_to_data(adapters.load(dataset, data_dir))
    return _DATA[key]


def run(dataset: str, variant: str, seed: int, *, data_dir: str | None, corpus: Path, device: str | None,
        base: str | None, threads: int | None, out: Path) -> dict:
    """Train and score one unit; write it to ``out`` atomically."""
    from .accuracy import run_unit

    if threads:
        import torch

        torch.set_num_threads(threads)
    data = load(dataset, data_dir, corpus)
    result = run_unit(dataset, "stance", seed, data, epochs=None, device=device, progress=False, frozen=None,
                      base=base, overrides=VARIANTS[variant], keep_proba=True)
    result["variant"] = variant
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result) + "\n")
    tmp.replace(out)
    return result


def seed_average(units: list[dict], split: str, dataset: str, data_dir: str | None, corpus: Path) -> float | None:
    """The primary metric of the mean of the seeds' probabilities (None when under two seeds)."""
    from .accuracy import scores

    with_proba = [u for u in units if "proba" in u and u["proba"].get(split)]
    if len(with_proba) < 2:
        return None
    exs = load(dataset, data_dir, corpus).examples[split]
    if any(len(u["proba"][split]) != len(exs) for u in with_proba):
        log.warning("%s %s: saved probabilities do not match the %d examples the data now has (changed since the "
                    "units ran?); no seed average", dataset, split, len(exs))
        return None
    labels = with_proba[0]["proba"]["labels"]
    mean = np.mean([np.asarray(u["proba"][split]) for u in with_proba], axis=0)
    pred = [labels[i] for i in mean.argmax(axis=1)]
    s = scores([e.label for e in exs], pred, labels, [e.topic or "" for e in exs])
    return s.get(primary(dataset))


def markdown(runs: list[dict], data_dir: str | None, corpus: Path) -> str:
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        groups.setdefault((r["dataset"], r["variant"]), []).append(r)
    lines = ["## Training-recipe variants (`python -m benchmarks.recipes`)", "",
             "Each variant changes one field of the library's default recipe; every unit trained on the train "
             "split, the best epoch kept by dev macro-F1 as always, scored on dev and test; mean ± std over seeds. "
             "Rule fixed before the run: a variant replaces the default only if its mean dev score is higher on "
             "every data set; test figures are reported, not used to choose. *seed average*: the primary metric of "
             "the mean of the seeds' probabilities (an ensemble of the seeds, at that many times the inference "
             "cost). `corpus` is the bundled corpus at example level (macro-F1); the public sets use their primary "
             "metric (SemEval F_avg, P-Stance macro-F1 over targets, NewsMTSC macro-F1).", ""]
    for dataset in DATASETS:
        names = [v for v in VARIANTS if (dataset, v) in groups]
        if not names:
            continue
        m = primary(dataset)
        dev_default = np.mean([u["dev"][m] for u in groups.get((dataset, "default"), [])] or [np.nan])
        lines += [f"### {dataset} ({m})", "",
                  "| variant | change | seeds | dev | dev vs default | dev, seed average | test | test, seed average | "
                  "best epoch | s/unit | device |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for v in names:
            us = sorted(groups[(dataset, v)], key=lambda u: u["seed"])
            dev = [u["dev"][m] for u in us]
            test = [u["test"][m] for u in us]
            avg = {split: seed_average(us, split, dataset, data_dir, corpus) for split in ("dev", "test")}
            avg = {split: "-" if x is None else f"{x:.3f}" for split, x in avg.items()}
            change = ", ".join(f"{k}={val}" for k, val in VARIANTS[v].items()) or "-"
            lines.append(f"| {v} | {change} | {len(us)} | {np.mean(dev):.3f} ± {np.std(dev):.3f} | "
                         f"{np.mean(dev) - dev_default:+.3f} | {avg['dev']} | "
                         f"{np.mean(test):.3f} ± {np.std(test):.3f} | {avg['test']} | "
                         f"{np.mean([u['best_epoch'] for u in us]):.1f} | "
                         f"{np.mean([u['train_seconds'] for u in us]):.0f} | {_devices(us)} |")
        lines.append("")
    dates = sorted({r["date"] for r in runs})
    commits = sorted({r["commit"] for r in runs})
    lines.append(f"Units run {', '.join(dates)} on commit(s) {', '.join(commits)}.")
    return "\n".join(lines) + "\n"


def _devices(units: list[dict]) -> str:
    """Where the units ran, with bf16 noted (CPU runs train under bf16 autocast where the CPU has it)."""
    names = [u.get("device", "cpu") + (" bf16" if u.get("bf16") else "") for u in units]
    return ", ".join(f"{n} x{names.count(n)}" if len(set(names)) > 1 else n for n in dict.fromkeys(names))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", nargs="+", default=["corpus", "semeval2016_a", "newsmtsc_rw"], choices=DATASETS)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--seeds", type=int, default=3, help="number of seeds (0, 1, ...)")
    p.add_argument("--data-dir", default=None, help="folder of the public data sets (default: ../shared/data)")
    p.add_argument("--corpus", type=Path, default=ROOT / "stance" / "corpus")
    p.add_argument("--base", default=None, help="base encoder directory (default: the packaged MiniLM)")
    p.add_argument("--device", default=None)
    p.add_argument("--jobs", type=int, default=1, help="units trained at once, each in its own process")
    p.add_argument("--runs-dir", type=Path, default=RUNS_DIR)
    p.add_argument("--report-only", action="store_true", help="only rewrite the table in RESULTS.md")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args.runs_dir.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        # Seed-major order: every variant's first seed before any second seed, so a cut-short run is balanced.
        todo = [(d, v, s) for s in range(args.seeds) for d in args.datasets for v in args.variants
                if not (args.runs_dir / f"{d}__{v}__seed{s}.json").exists()]
        log.info("%d units to run, %d at a time", len(todo), args.jobs)
        threads = max(1, (os.cpu_count() or 2) // args.jobs) if args.jobs > 1 else None
        kw = dict(data_dir=args.data_dir, corpus=args.corpus, device=args.device, base=args.base, threads=threads)
        started = time.time()
        if args.jobs > 1:
            import multiprocessing as mp

            with ProcessPoolExecutor(args.jobs, mp_context=mp.get_context("spawn")) as pool:
                futures = {pool.submit(run, d, v, s, out=args.runs_dir / f"{d}__{v}__seed{s}.json", **kw): (d, v, s)
                           for d, v, s in todo}
                for f in as_completed(futures):
                    _report(futures[f], f.result(), started)
        else:
            for d, v, s in todo:
                _report((d, v, s), run(d, v, s, out=args.runs_dir / f"{d}__{v}__seed{s}.json", **kw), started)
    runs = [json.loads(f.read_text()) for f in sorted(args.runs_dir.glob("*.json"))]
    if runs:
        write_section("recipes", markdown(runs, args.data_dir, args.corpus))
    return 0


def _report(unit: tuple, result: dict, started: float) -> None:
    d, v, s = unit
    m = primary(d)
    print(f"[{time.time() - started:6.0f} s] {d:<14} {v:<20} seed {s}: dev {result['dev'][m]:.4f} "
          f"test {result['test'][m]:.4f} ({result['train_seconds']} s, best epoch {result['best_epoch']})", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
