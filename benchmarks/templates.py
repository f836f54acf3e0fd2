"""Choose the input format and training settings of the default recipe by measurement on the corpus dev split.

    python -m benchmarks.templates [--variants ...] [--seeds 2]

Each variant changes one thing from a fixed starting recipe (pair order, mention marker, the previous sentence
as context, learning rate, epochs, topic dropout); ``chosen`` combines the best changes (the library default) and is trained on the bundled corpus' train split with several
seeds; the score is the dev macro-F1 at example level, averaged over inputs with and without the topic (the
training loop's own selection criterion). Units are saved as they finish (resumable); the table goes to
``benchmarks/RESULTS.md``. The test split is not looked at.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from stance.config import TrainConfig
from stance.data import build
from stance.inputs import InputTemplate

from .common import RESULTS_DIR, ROOT, commit, today, write_section

RUNS_DIR = RESULTS_DIR / "runs" / "templates"
# Variants are changes from this fixed starting point (the recipe before the sweep), so a row means the same
# thing whatever the library's defaults are now.
START_TEMPLATE = {"order": "target_first", "marker": "brackets", "topic": True, "context": False}
START_CONFIG = {"learning_rate": 6e-5, "epochs": 5, "patience": 2, "topic_dropout": 0.5}
VARIANTS: dict[str, tuple[dict, dict]] = {
    "start": ({}, {}),
    "sentence_first": ({"order": "sentence_first"}, {}),
    "no_marker": ({"marker": "none"}, {}),
    "angle_marker": ({"marker": "angle"}, {}),
    "context": ({"context": True}, {}),
    "lr_3e-5": ({}, {"learning_rate": 3e-5}),
    "lr_1e-4": ({}, {"learning_rate": 1e-4}),
    "epochs_8": ({}, {"epochs": 8, "patience": 3}),
    "no_topic_dropout": ({}, {"topic_dropout": 0.0}),
    "chosen": ({"order": "sentence_first"}, {"learning_rate": 1e-4}),  # the two best single changes together
}


def run(variant: str, seed: int, data, *, device: str | None, progress: bool, base: str | None) -> dict:
    from stance.training import train

    t_kw, c_kw = VARIANTS[variant]
    template = InputTemplate(**{**START_TEMPLATE, **t_kw})
    config = replace(TrainConfig(seed=seed), **{**START_CONFIG, **c_kw})
    started = time.time()
    model = train(data, base=base, config=config, template=template, device=device, progress=progress,
                  tune_aggregation=False, evaluate_test=False)
    t = model.settings.training
    best = max(t["history"], key=lambda h: h["dev_macro_f1"])
    return {"variant": variant, "seed": seed, "template": template.to_dict(), "config": config.to_dict(),
            "dev_macro_f1": best["dev_macro_f1"], "dev_macro_f1_topic": best.get("dev_macro_f1_topic"),
            "dev_macro_f1_no_topic": best.get("dev_macro_f1_no_topic"), "best_epoch": best["epoch"],
            "seconds": round(time.time() - started, 1), "device": model.device.type, "commit": commit(),
            "date": today()}


def markdown(runs: list[dict]) -> str:
    groups: dict[str, list[dict]] = {}
    for r in runs:
        groups.setdefault(r["variant"], []).append(r)
    lines = ["## Input format and training settings (`python -m benchmarks.templates`)", "",
             "Corpus dev split, example level; the score is the mean of dev macro-F1 with and without the topic "
             "(the epoch-selection criterion); mean ± std over seeds. Each row changes one thing from the starting "
             "recipe (`start`: target first, bracket marker, topic, no context, learning rate 6e-5, up to 5 epochs, "
             "patience 2, topic dropout 0.5); `chosen` combines the two best changes and is the library's default.",
             "",
             "| variant | change | seeds | dev macro-F1 | with topic | without topic | best epoch | s/run | device |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in VARIANTS:
        rs = groups.get(name)
        if not rs:
            continue
        f = [r["dev_macro_f1"] for r in rs]
        change = ", ".join(f"{k}={v}" for k, v in {**VARIANTS[name][0], **VARIANTS[name][1]}.items()) or "-"
        mean = lambda k: np.mean([r[k] for r in rs if r.get(k) is not None])  # noqa: E731
        lines.append(f"| {name} | {change} | {len(rs)} | {np.mean(f):.3f} ± {np.std(f):.3f} | "
                     f"{mean('dev_macro_f1_topic'):.3f} | {mean('dev_macro_f1_no_topic'):.3f} | "
                     f"{np.mean([r['best_epoch'] for r in rs]):.1f} | {np.mean([r['seconds'] for r in rs]):.0f} | "
                     f"{rs[0]['device']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--corpus", type=Path, default=ROOT / "stance" / "corpus")
    p.add_argument("--base", default=None, help="base encoder directory (default: the packaged MiniLM)")
    p.add_argument("--runs-dir", type=Path, default=RUNS_DIR)
    p.add_argument("--device", default=None)
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args.runs_dir.mkdir(parents=True, exist_ok=True)
    data = build(args.corpus)
    for seed in range(args.seeds):
        for variant in args.variants:
            path = args.runs_dir / f"{variant}__seed{seed}.json"
            if path.exists():
                continue
            r = run(variant, seed, data, device=args.device, progress=not args.no_progress, base=args.base)
            print(f"{variant:<18} seed {seed}: dev macro-F1 {r['dev_macro_f1']:.4f} ({r['seconds']} s)", flush=True)
            path.write_text(json.dumps(r, indent=1) + "\n")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    runs = [json.loads(f.read_text()) for f in sorted(args.runs_dir.glob("*.json"))]
    write_section("templates", markdown(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
