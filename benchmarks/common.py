"""Shared pieces of the benchmark scripts: run metadata, flat records to stance data, RESULTS.md sections."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path
from typing import Sequence

from stance.annotations import Article, LabelledSentence
from stance.data import StanceData, from_articles

ROOT = Path(__file__).resolve().parent.parent
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
RESULTS_DIR = ROOT / "benchmarks" / "results"


def commit() -> str:
    """The checkout's short commit (``$BENCH_COMMIT`` where the tree travels without its git history)."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def today() -> str:
    return dt.date.today().isoformat()


def records_to_data(splits: dict[str, list[dict]], *, labels: Sequence[str] | None = None) -> StanceData:
    """Flat records per split (as the adapters give them) to a :class:`StanceData` with those exact splits."""
    labels = sorted(labels or {r["label"] for rs in splits.values() for r in rs})
    articles, assign = [], {}
    for split, records in splits.items():
        for r in records:
            art_id = f"{split}:{r['article_id']}"
            mention = None
            if r.get("mention"):
                i = r["sentence"].find(r["mention"])
                mention = (i, i + len(r["mention"])) if i >= 0 else None
            elif r["company"] and r["company"] in r["sentence"]:
                i = r["sentence"].find(r["company"])
                mention = (i, i + len(r["company"]))
            s = LabelledSentence(r["sentence"], r["company"], r["label"], 0, mention)
            articles.append(Article(art_id, r["sentence"], r.get("topic") or None, None, {}, [s], {}, art_id,
                                    flat=True))
            assign[art_id] = split
    return from_articles(articles, labels=labels, splits=assign)


def write_section(name: str, body: str, path: Path = RESULTS_MD) -> None:
    """Replace (or append) the section between ``<!-- name:begin -->`` and ``<!-- name:end -->``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text:
        text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
