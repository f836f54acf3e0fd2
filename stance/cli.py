"""The ``stance`` command line: build, train, evaluate, classify, export.

The only module that prints. A user's mistake prints ``stance: error: ...`` and exits with status 2, without a
traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from .errors import StanceError

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not args.verbose:
        _quiet_libraries()
    try:
        return args.run(args) or 0
    except (StanceError, OSError, ValueError, TypeError, ImportError) as e:
        if args.verbose:
            raise
        print(f"stance: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stance: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stance", description="Where does each company stand? Stance detection for "
                                "news articles: build data sets, train, evaluate, classify.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="validate annotation files and print their counts per split, label and topic")
    b.add_argument("paths", nargs="+", metavar="PATH", help="annotation file(s) (.jsonl/.csv) or directories of them")
    b.add_argument("--out", metavar="DIR", help="also save the examples as a datasets.DatasetDict in DIR")
    b.add_argument("--labels", metavar="L1,L2,...", help="the label set (default: against,favor,neutral)")
    b.add_argument("--json", action="store_true", help="print the summary as JSON")
    b.set_defaults(run=_build)

    t = sub.add_parser("train", help="fine-tune a stance model on annotation files")
    t.add_argument("paths", nargs="*", metavar="PATH", help="annotation file(s) or directories")
    t.add_argument("--default", action="store_true",
                   help="train the default model on the bundled corpus (PATH not needed; --out defaults to "
                        "models/default)")
    t.add_argument("--out", metavar="DIR", help="where to save the model directory (replaced atomically)")
    t.add_argument("--base", metavar="DIR", help="a local Hugging Face encoder directory to start from (default: "
                   "the packaged all-MiniLM-L6-v2)")
    t.add_argument("--init", metavar="DIR", help="an existing stance model to continue training (new annotations)")
    t.add_argument("--epochs", type=int, help="maximum number of epochs (early stopping may end sooner)")
    t.add_argument("--seed", type=int, help="random seed; the same data and seed give the same model")
    t.add_argument("--lr", type=float, help="peak learning rate")
    t.add_argument("--batch-size", type=int, help="training batch size")
    t.add_argument("--max-length", type=int, help="maximum tokens per input (longer sentences are windowed)")
    t.add_argument("--precision", choices=["auto", "fp32", "bf16"],
                   help="training arithmetic (default auto: bf16 autocast on CPUs with native bf16, else fp32)")
    t.add_argument("--average-epochs", action="store_true", help="keep the average of the best epochs' weights "
                   "(greedy, while dev macro-F1 does not drop) instead of the best epoch alone")
    t.add_argument("--teachers", type=int, metavar="N", help="first train N models with the next seeds, then train "
                   "this one on their averaged probabilities as well as the labels: N+1 trainings, one model's "
                   "inference cost (ensemble distillation; off by default)")
    t.add_argument("--distill-weight", type=float, metavar="W", help="with --teachers: the weight of the teachers' "
                   "probabilities in the loss, the labels get 1 - W (default 0.5)")
    t.add_argument("--labels", metavar="L1,L2,...", help="the label set of your annotations")
    t.add_argument("--order", choices=["target_first", "sentence_first"], help="input pair order")
    t.add_argument("--marker", choices=["brackets", "angle", "none"], help="how the company mention is marked")
    t.add_argument("--context", action="store_true", help="include the previous sentence in the input")
    t.add_argument("--no-progress", action="store_true", help="no progress bars")
    t.set_defaults(run=_train)

    e = sub.add_parser("evaluate", help="score a model on annotation files, beside baselines")
    e.add_argument("model", metavar="MODEL_DIR", help="a stance model directory")
    e.add_argument("paths", nargs="+", metavar="PATH", help="annotation file(s) or directories")
    e.add_argument("--split", default="all", choices=["train", "dev", "test", "all"],
                   help="which hash split of the files to score (default: all; baselines need a split)")
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    e.add_argument("--markdown", action="store_true", help="print Markdown tables (for model cards)")
    e.add_argument("--plot", metavar="DIR", help="write confusion-matrix and reliability PNGs into DIR")
    e.add_argument("--no-baselines", action="store_true", help="skip the majority and TF-IDF baselines")
    e.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the 95%% intervals")
    e.add_argument("--no-progress", action="store_true", help="no progress bars")
    e.set_defaults(run=_evaluate)

    c = sub.add_parser("classify", help="print each company's position in articles")
    c.add_argument("files", nargs="+", metavar="FILE", help="text file(s) with one article each; - reads stdin")
    c.add_argument("--topic", help="the issue the article is about (optional)")
    c.add_argument("--company", action="append", metavar="C", help="report this company (repeatable)")
    c.add_argument("--model", metavar="DIR", help="model directory (default: $STANCE_MODEL or models/default)")
    c.add_argument("--backend", default="auto", choices=["auto", "torch", "onnx"], help="inference backend")
    c.add_argument("--json", action="store_true", help="one JSON line per article")
    c.set_defaults(run=_classify)

    x = sub.add_parser("export", help="export a model to ONNX with int8 weights for fast CPU inference")
    x.add_argument("model", metavar="MODEL_DIR", help="a stance model directory")
    x.add_argument("--no-fp32", action="store_true", help="keep only the int8 file")
    x.set_defaults(run=_export)
    return p


def _labels(value: str | None):
    return [x.strip() for x in value.split(",") if x.strip()] if value else None


def _build(args) -> int:
    from .data import build

    data = build(args.paths, labels=_labels(args.labels))
    if args.out:
        data.save(args.out)
    print(json.dumps(data.summary.to_dict(), indent=2) if args.json else data.summary.to_text())
    if args.out:
        print(f"saved to {args.out}", file=sys.stderr)
    return 0


def _train(args) -> int:
    from dataclasses import replace

    from .config import TrainConfig
    from .data import build
    from .inputs import InputTemplate
    from .training import train

    paths = list(args.paths) or ([CORPUS_DIR] if args.default else [])
    if not paths:
        raise ValueError("no annotation files given (expected PATH..., or --default for the bundled corpus)")
    out = args.out or ("models/default" if args.default else None)
    if not out:
        raise ValueError("--out DIR is required (where to save the model)")
    overrides = {k: v for k, v in {"epochs": args.epochs, "seed": args.seed, "learning_rate": args.lr,
                                   "batch_size": args.batch_size, "max_length": args.max_length,
                                   "precision": args.precision, "average_epochs": args.average_epochs or None,
                                   "teachers": args.teachers, "distill_weight": args.distill_weight}.items()
                 if v is not None}
    config = replace(TrainConfig(), **overrides)
    template = None
    if args.order or args.marker or args.context:
        template = replace(InputTemplate(), **{k: v for k, v in {"order": args.order, "marker": args.marker,
                                                                 "context": args.context or None}.items() if v})
    data = build(paths, labels=_labels(args.labels))
    print(data.summary.to_text(), file=sys.stderr)
    model = train(data, base=args.base, init=args.init, config=config, template=template,
                  progress=not args.no_progress)
    model.save_pretrained(out)
    t = model.settings.training
    print(f"saved {out} (best epoch {t['best_epoch']} of {t['epochs_run']}, {t['seconds']} s)")
    for split, figures in model.settings.metrics.items():
        for key, s in figures.items():
            print(f"  {split:<5} {key:<28} accuracy {s['accuracy']:.3f}  macro-F1 {s['macro_f1']:.3f}")
    return 0


def _evaluate(args) -> int:
    from .evaluation import evaluate

    report = evaluate(args.model, args.paths, split=args.split, baselines=not args.no_baselines,
                      bootstrap=args.bootstrap, progress=not args.no_progress)
    if args.plot:
        for p in report.plot(args.plot):
            print(f"wrote {p}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    elif args.markdown:
        print(report.to_markdown())
    else:
        print(report.to_text())
    return 0


def _classify(args) -> int:
    from .modeling import StanceModel
    from .pipeline import classify_many, default_model_path

    texts = []
    for f in args.files:
        if f == "-":
            texts.append({"text": sys.stdin.read(), "id": "<stdin>"})
        else:
            path = Path(f)
            if not path.is_file():
                raise FileNotFoundError(f"{f}: no such file (expected a text file with one article)")
            try:
                texts.append({"text": path.read_text(encoding="utf-8"), "id": f})
            except UnicodeDecodeError as e:
                raise ValueError(f"{f}: not valid UTF-8 text ({e.reason} at byte {e.start})") from e
    model = StanceModel.from_pretrained(args.model or default_model_path(), backend=args.backend)
    for result in classify_many(texts, topic=args.topic, companies=args.company, model=model, progress=False):
        if args.json:
            print(result.to_json())
            continue
        if len(texts) > 1:
            print(f"== {result.id}")
        if not result.positions:
            print("(no companies found)")
            continue
        rows = [("company", "position", "confidence", "strongest evidence")]
        for p in result.positions:
            ev = p.evidence[0].text if p.evidence else ""
            rows.append((p.company, p.label, f"{p.score:.2f}", ev if len(ev) <= 90 else ev[:87] + "..."))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for r in rows:
            print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
    return 0


def _export(args) -> int:
    from .onnx_backend import export_onnx

    path = export_onnx(args.model, keep_fp32=not args.no_fp32)
    print(f"wrote {path}")
    return 0


def _quiet_libraries() -> None:
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
