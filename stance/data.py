"""Articles in, model examples and train/dev/test splits out.

An :class:`Example` is one (sentence, company, topic, label) unit, the thing the model reads. Articles are split
by a stable hash of their id, so no article is in two splits and adding annotations never moves an old article.
Reading and validating files is :mod:`stance.annotations`' job; turning examples into model inputs is
:mod:`stance.inputs`'.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from .annotations import Annotations, Article, read_annotations
from .sentences import split_sentences

SPLITS = ("train", "dev", "test")
SPLIT_BOUNDS = (0.8, 0.9)  # hash < 0.8: train, < 0.9: dev, else test


@dataclass(frozen=True)
class Example:
    """One (sentence, company, topic) unit with its label (``None`` when unlabelled, at inference).

    ``mention`` is the (start, end) span of the company's mention inside ``sentence``, or ``None`` when the
    sentence does not name it; ``context`` is the sentence before it in the article ("" if none).
    """

    sentence: str
    company: str
    topic: str | None = None
    label: str | None = None
    mention: tuple[int, int] | None = None
    context: str = ""
    article_id: str = ""
    tags: tuple[str, ...] = ()

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["topic"] = self.topic or ""
        row["label"] = self.label or ""
        row["mention_start"], row["mention_end"] = self.mention or (-1, -1)
        row["tags"] = list(self.tags)
        del row["mention"]
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Example":
        start, end = row.get("mention_start", -1), row.get("mention_end", -1)
        return cls(row["sentence"], row["company"], row.get("topic") or None, row.get("label") or None,
                   (start, end) if start is not None and start >= 0 else None, row.get("context", ""),
                   row.get("article_id", ""), tuple(row.get("tags", ())))


def split_of(article_id: str) -> str:
    """The split an article id belongs to: a stable hash, the same on every machine and run.

    >>> split_of("fr-police-0001") in SPLITS
    True
    """
    h = int.from_bytes(hashlib.sha1(article_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return "train" if h < SPLIT_BOUNDS[0] else "dev" if h < SPLIT_BOUNDS[1] else "test"


def article_examples(article: Article) -> list[Example]:
    """The labelled examples of one article, in text order, each with the sentence before it as context."""
    spans = split_sentences(article.text) if not article.flat else []
    out = []
    for s in sorted(article.sentences, key=lambda s: (s.start, s.company)):
        context = ""
        if spans:
            before = [(a, b) for a, b in spans if b <= s.start]
            context = article.text[before[-1][0]:before[-1][1]] if before else ""
        out.append(Example(s.text, s.company, article.topic, s.label, s.mention, context, article.id, s.tags))
    return out


@dataclass
class Summary:
    """Counts of a built data set: per split, label and topic."""

    labels: tuple[str, ...]
    articles: dict[str, int]
    examples: dict[str, int]
    example_labels: dict[str, dict[str, int]]
    position_labels: dict[str, dict[str, int]]
    topics: dict[str, dict[str, int]]
    companies: int
    duplicates_dropped: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_text(self) -> str:
        """A readable table of the counts."""
        lines = [f"{'':<44}" + "".join(f"{s:>9}" for s in (*SPLITS, "total"))]

        def row(name: str, counts: dict[str, int]) -> None:
            lines.append(f"{name[:44]:<44}" + "".join(f"{counts.get(s, 0):>9}" for s in SPLITS)
                         + f"{sum(counts.values()):>9}")

        row("articles", self.articles)
        row("examples", self.examples)
        for lab in self.labels:
            row(f"  examples {lab}", {s: self.example_labels[s].get(lab, 0) for s in SPLITS})
        for lab in self.labels:
            row(f"  positions {lab}", {s: self.position_labels[s].get(lab, 0) for s in SPLITS})
        lines.append(f"{len(self.topics)} topics, {self.companies} companies, "
                     f"{self.duplicates_dropped} exact duplicates dropped, from {len(self.files)} file(s)")
        for topic, counts in sorted(self.topics.items()):
            row(f"  {topic}", counts)
        return "\n".join(lines)


@dataclass
class StanceData:
    """A built data set: articles and examples per split, the label set and a summary."""

    articles: dict[str, list[Article]]
    examples: dict[str, list[Example]]
    labels: tuple[str, ...]
    summary: Summary

    @property
    def fingerprint(self) -> str:
        """A hash of every example and position: two models trained on the same data share it."""
        h = hashlib.sha256()
        for split in SPLITS:
            for ex in self.examples[split]:
                h.update(json.dumps([split, ex.article_id, ex.sentence, ex.company, ex.topic, ex.label]).encode())
            for a in self.articles[split]:
                h.update(json.dumps([split, a.id, sorted(a.positions.items())]).encode())
        return h.hexdigest()[:16]

    def to_dataset_dict(self):
        """The examples as a ``datasets.DatasetDict`` with train/dev/test splits."""
        from datasets import Dataset, DatasetDict, Features, Sequence as Seq, Value

        features = Features({
            "sentence": Value("string"), "company": Value("string"), "topic": Value("string"),
            "label": Value("string"), "context": Value("string"), "article_id": Value("string"),
            "tags": Seq(Value("string")), "mention_start": Value("int32"), "mention_end": Value("int32"),
        })
        def split(rows: list[dict]):
            if not rows:  # from_list cannot infer columns from nothing
                return Dataset.from_dict({k: [] for k in features}, features=features)
            return Dataset.from_list(rows, features=features)

        return DatasetDict({s: split([e.to_row() for e in self.examples[s]]) for s in SPLITS})

    def save(self, out: str | Path) -> Path:
        """Save the DatasetDict and ``summary.json`` under ``out``."""
        out = Path(out)
        self.to_dataset_dict().save_to_disk(str(out))
        (out / "summary.json").write_text(json.dumps(self.summary.to_dict(), indent=2) + "\n")
        return out


def build(paths: str | Path | Sequence[str | Path] | Annotations, *,
          labels: Sequence[str] | None = None) -> StanceData:
    """Read annotation files (or already-read :class:`Annotations`) into split examples.

    >>> data = build("stance/corpus")                      # doctest: +SKIP
    >>> print(data.summary.to_text())                      # doctest: +SKIP
    """
    ann = paths if isinstance(paths, Annotations) else read_annotations(paths, labels=labels)
    return from_articles(ann.articles, labels=ann.labels, duplicates_dropped=ann.duplicates_dropped,
                         files=[str(f) for f in ann.files])


def from_articles(articles: Iterable[Article], *, labels: Sequence[str], duplicates_dropped: int = 0,
                  files: Sequence[str] = (), splits: dict[str, str] | None = None) -> StanceData:
    """Split articles (by id hash, or by ``splits``: article id -> split) and build their examples."""
    by_split: dict[str, list[Article]] = {s: [] for s in SPLITS}
    for a in articles:
        by_split[(splits or {}).get(a.id) or split_of(a.id)].append(a)
    examples = {s: [e for a in arts for e in article_examples(a)] for s, arts in by_split.items()}
    summary = Summary(
        labels=tuple(labels),
        articles={s: len(v) for s, v in by_split.items()},
        examples={s: len(v) for s, v in examples.items()},
        example_labels={s: dict(Counter(e.label for e in v)) for s, v in examples.items()},
        position_labels={s: dict(Counter(lab for a in v for lab in a.positions.values())) for s, v in by_split.items()},
        topics=_topic_counts(examples),
        companies=len({e.company for v in examples.values() for e in v}
                      | {c for v in by_split.values() for a in v for c in a.positions}),
        duplicates_dropped=duplicates_dropped,
        files=list(files),
    )
    return StanceData(by_split, examples, tuple(labels), summary)


def _topic_counts(examples: dict[str, list[Example]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for split, exs in examples.items():
        for e in exs:
            counts = out.setdefault(e.topic or "(no topic)", {})
            counts[split] = counts.get(split, 0) + 1
    return out
