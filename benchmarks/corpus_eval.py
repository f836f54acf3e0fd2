"""The default model on the corpus test split, beside majority-class and TF-IDF + LR trained on the same split.

    python -m benchmarks.corpus_eval [--model models/default] [--split test]

Example level (sentence, company) and company level (article, company), each with and without the topic, with
bootstrap 95% intervals; then the same on the test companies that never appear in the train split (a split by
article lets most companies be seen in training, which flatters the model). Writes
``benchmarks/results/corpus_eval.json`` and a section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from .common import RESULTS_DIR, ROOT, commit, today, write_section


def main(argv: list[str] | None = None) -> int:
    from stance import StanceModel, build, evaluate

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(ROOT / "models" / "default"))
    p.add_argument("--split", default="test", choices=["dev", "test"])
    args = p.parse_args(argv)
    model = StanceModel.from_pretrained(args.model, backend="torch")
    data = build(ROOT / "stance" / "corpus")
    report = evaluate(model, data, split=args.split)
    unseen = unseen_companies(data, args.split)
    held_out = evaluate(model, unseen, split=args.split)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    record = {"model": args.model, "split": args.split, "commit": commit(), "date": today(),
              "data_fingerprint": data.fingerprint, "model_data_fingerprint": model.settings.data.get("fingerprint"),
              "aggregation": model.settings.aggregation, "template": model.settings.template.to_dict(),
              "report": report.to_dict(), "unseen_companies_report": held_out.to_dict()}
    (RESULTS_DIR / "corpus_eval.json").write_text(json.dumps(record, indent=1) + "\n")
    t = model.settings.training
    body = "\n".join([
        f"## Default model on the corpus {args.split} split (`python -m benchmarks.corpus_eval`)", "",
        f"`models/default`: all-MiniLM-L6-v2 fine-tuned on the corpus train split ({data.summary.examples['train']} "
        f"examples; best epoch {t.get('best_epoch')} of {t.get('epochs_run')}, {t.get('seconds')} s on "
        f"{t.get('device')}), template `{json.dumps(model.settings.template.to_dict())}`, aggregation "
        f"`{json.dumps({k: v for k, v in model.settings.aggregation.items() if k in ('rule', 'threshold')})}` "
        f"(tuned on dev). Baselines trained on the same train split in the same run. `stance_no_topic`: the same "
        "model given no topic. Company level: the annotated companies are given (detection is measured "
        f"separately below). Commit {record['commit']}, {record['date']}.", "",
        report.to_markdown(), "",
        f"### Only companies never seen in training ({unseen.summary.articles[args.split]} {args.split} articles, "
        f"{unseen.summary.examples[args.split]} examples, "
        f"{sum(unseen.summary.position_labels[args.split].values())} positions)", "",
        "The same model and baselines, scored on the test positions and sentences of companies that appear in no "
        "train article.", "", held_out.to_markdown()])
    write_section("corpus", body)
    print(report.to_text())
    return 0


def unseen_companies(data, split: str):
    """``data`` with the ``split`` articles cut down to the companies that no train article names."""
    from stance.data import from_articles

    seen = {c for a in data.articles["train"] for c in (*a.positions, *(s.company for s in a.sentences))}
    kept = []
    for a in data.articles[split]:
        positions = {c: lab for c, lab in a.positions.items() if c not in seen}
        if positions:
            kept.append(replace(a, positions=positions,
                                sentences=[s for s in a.sentences if s.company in positions]))
    splits = {a.id: s for s in ("train", "dev") for a in data.articles[s]} | {a.id: split for a in kept}
    return from_articles(data.articles["train"] + data.articles["dev"] + kept, labels=data.labels, splits=splits)


if __name__ == "__main__":
    raise SystemExit(main())
