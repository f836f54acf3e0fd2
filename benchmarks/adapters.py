"""Public stance data sets, converted to stance's flat annotation records in memory.

The data sets lie outside the repository (their terms forbid copying them into it), one folder each under a
data directory: ``$STANCE_DATA_DIR`` when set, else ``<repository root>/../shared/data``. Each folder has a
``SOURCE.md`` with the origin, format, counts and published results. Nothing here writes any of their
content to disk.

>>> from benchmarks.adapters import load
>>> data = load("semeval2016_a")                       # doctest: +SKIP
>>> sorted(data), data["test"][0]["label"]             # doctest: +SKIP
(['dev', 'test', 'train'], 'against')

``load(name)`` returns ``{"train": [...], "dev": [...], "test": [...]}``; each record is the flat annotation
form of stance: ``{"article_id", "sentence", "company", "label", "topic"}`` plus ``"mention"`` (an exact
substring of ``sentence`` naming the target) where the data set gives one.

=====================  =====================================================================================
data set               how it is converted
=====================  =====================================================================================
``semeval2016_a``      SemEval-2016 Task 6, subtask A (``semeval2016_task6/``). train = training data + trial
                       data (minus dev, below); test = ``testdata-taskA``. Task B (target Donald Trump) is not
                       used; a row of any target other than the five task-A targets is skipped and counted
                       (the staged training file has none). Labels favor/against/none. ``company`` = ``topic``
                       = the target ("Hillary Clinton"). ``article_id`` = the ``ID`` column. The files are not
                       UTF-8 clean: bytes that are not UTF-8 are read as Windows-1252 (latin-1 where cp1252
                       has no character).
``pstance``            P-Stance: ``raw_{train,val,test}_{trump,biden,bernie}.csv``, the three targets pooled;
                       val is dev. Labels favor/against; a ``NONE`` row (none in the staged files) is skipped
                       and counted. ``company`` = ``topic`` = the target ("Donald Trump"). There is no id:
                       ``article_id`` = ``pstance-<split>-<row>``, ``<row>`` counting from 1 over the pooled
                       split in the order trump, biden, bernie.
``newsmtsc_rw``        NewsMTSC: one record per (sentence, target). train = ``train.jsonl``; dev/test =
``newsmtsc_mt``        ``splits_rw/{dev,test}.jsonl`` (real-world) or ``splits_mt/{dev,test}.jsonl``
                       (multi-target), the authors' own split of ``devtest_rw``/``devtest_mt``. Labels
                       negative/neutral/positive from polarity 2.0/4.0/6.0 (the data set's readme).
                       ``company`` = ``mention`` = the target's mention text, ``topic`` = "". ``article_id`` =
                       the target's ``Input.gid`` (unique; ``primary_gid`` is per sentence, not per target).
                       Sentences are kept as given (only stripped): a few hundred hold a line break, where the
                       authors' splitter glued a caption or heading to the sentence.
``ibm_claim_stance``   IBM Debater Claim Stance: the ``split`` column (train/test), dev carved from train.
                       Labels pro/con. ``sentence`` = ``claims.claimCorrectedText`` (the one claim with a line
                       break inside has it replaced by a space); ``company`` = ``topic`` = ``topicText`` (the
                       motion: PRO/CON is the claim's stance toward it). No ``mention``: the data's
                       ``claimTarget`` names the claim's own target, not the motion. ``article_id`` =
                       ``claims.claimId``. Train and test have disjoint topics; the carved dev shares train's.
=====================  =====================================================================================

**Carved dev split.** SemEval-2016 A and IBM Claim Stance have no official dev split: a training record goes
to dev when the stable hash of its ``article_id`` (the first 8 bytes of ``hashlib.sha1`` of the UTF-8 id, as
a fraction of 2**64) falls in the lowest 10% (``DEV_FRACTION``); the same on every machine and run.

**Errors.** A missing data directory, data-set folder or file raises ``FileNotFoundError`` naming the path and
what is expected there. A malformed row raises ``ValueError`` starting ``path:line:``. Rows skipped for a
documented reason (above, and rows with an empty text) are counted and logged at INFO level through
``logging`` (logger ``benchmarks.adapters``), never dropped silently.

``python -m benchmarks.adapters [--data-dir DIR] [--limit N] [NAME ...]`` prints records per split and label.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import hashlib
import json
import logging
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

__all__ = ["DATASETS", "SPLITS", "DEV_FRACTION", "default_data_dir", "load", "in_dev", "label_counts", "main"]

log = logging.getLogger("benchmarks.adapters")

DATASETS = ("semeval2016_a", "pstance", "newsmtsc_rw", "newsmtsc_mt", "ibm_claim_stance")
SPLITS = ("train", "dev", "test")
DEV_FRACTION = 0.10

#: The folder of each data set under the data directory.
FOLDERS = {
    "semeval2016_a": "semeval2016_task6",
    "pstance": "pstance",
    "newsmtsc_rw": "newsmtsc",
    "newsmtsc_mt": "newsmtsc",
    "ibm_claim_stance": "ibm_claim_stance",
}

SEMEVAL_TASK_A_TARGETS = frozenset({
    "Atheism", "Climate Change is a Real Concern", "Feminist Movement", "Hillary Clinton",
    "Legalization of Abortion",
})
PSTANCE_TARGETS = ("trump", "biden", "bernie")
NEWSMTSC_POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}

_CARVE = "train+dev"  # the split of a source whose records are divided between train and dev by hash


# --- reading -------------------------------------------------------------------------------------------------

_ENCODING_ERRORS = "stance-adapters-cp1252"
_undecodable = [0]  # bytes of the file being read that were not UTF-8 (read as cp1252)


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode the bytes that are not UTF-8 as Windows-1252, or latin-1 where cp1252 has no character."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    bad = err.object[err.start:err.end]
    chars = []
    for b in bad:
        try:
            chars.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(b))
    _undecodable[0] += len(bad)
    return "".join(chars), err.end


codecs.register_error(_ENCODING_ERRORS, _cp1252_fallback)


def _open_text(path: Path, *, newline: str | None = None):
    return open(path, encoding="utf-8-sig", errors=_ENCODING_ERRORS, newline=newline)


@dataclass
class _Source:
    """One file of a data set: its records go to `split` (or are carved into train and dev)."""

    path: Path
    split: str
    read: Callable[["_Source", "_Skips"], Iterator[tuple[int, dict]]]  # yields (line, record)
    what: str  # what the file is, for error messages


class _Skips:
    """Rows skipped for a documented reason, counted per reason and logged once per file."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, reason: str) -> None:
        self.counts[reason] += 1


def _fail(path: Path, line: int, message: str) -> ValueError:
    return ValueError(f"{path}:{line}: {message}")


def _clean(text: str) -> str:
    return text.strip()


# --- SemEval-2016 Task 6, subtask A ---------------------------------------------------------------------------

_SEMEVAL_HEADER = ["ID", "Target", "Tweet", "Stance", "Opinion towards", "Sentiment"]
_SEMEVAL_LABELS = {"FAVOR": "favor", "AGAINST": "against", "NONE": "none"}


def _read_semeval(src: _Source, skips: _Skips) -> Iterator[tuple[int, dict]]:
    with _open_text(src.path) as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if lineno == 1:
                if line.split("\t") != _SEMEVAL_HEADER:
                    raise _fail(src.path, 1, f"unexpected header (found {line[:80]!r}, expected "
                                             f"{chr(9).join(_SEMEVAL_HEADER)!r} tab-separated)")
                continue
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) != len(_SEMEVAL_HEADER):
                raise _fail(src.path, lineno, f"expected {len(_SEMEVAL_HEADER)} tab-separated fields "
                                              f"({', '.join(_SEMEVAL_HEADER)}), found {len(fields)}")
            ident, target, tweet, stance = (f.strip() for f in fields[:4])
            if stance not in _SEMEVAL_LABELS:
                raise _fail(src.path, lineno, f"unknown stance (found {stance!r}, expected one of "
                                              f"{', '.join(_SEMEVAL_LABELS)})")
            if not ident:
                raise _fail(src.path, lineno, "empty ID")
            if target not in SEMEVAL_TASK_A_TARGETS:
                skips.add(f"target {target!r} is not a task-A target")
                continue
            if not _clean(tweet):
                skips.add("empty text")
                continue
            yield lineno, {"article_id": ident, "sentence": _clean(tweet), "company": target,
                           "label": _SEMEVAL_LABELS[stance], "topic": target}


def _semeval_sources(folder: Path) -> list[_Source]:
    return [
        _Source(folder / "trialdata-all-annotations.txt", _CARVE, _read_semeval, "the SemEval-2016 trial data"),
        _Source(folder / "trainingdata-all-annotations.txt", _CARVE, _read_semeval,
                "the SemEval-2016 training data"),
        _Source(folder / "testdata-taskA-all-annotations.txt", "test", _read_semeval,
                "the SemEval-2016 task A test data with gold labels"),
    ]


# --- P-Stance -----------------------------------------------------------------------------------------------

_PSTANCE_HEADER = ["Tweet", "Target", "Stance"]
_PSTANCE_LABELS = {"FAVOR": "favor", "AGAINST": "against"}


def _pstance_reader() -> Callable[[_Source, _Skips], Iterator[tuple[int, dict]]]:
    rows: Counter[str] = Counter()  # running row number per split, over the pooled files

    def read(src: _Source, skips: _Skips) -> Iterator[tuple[int, dict]]:
        with _open_text(src.path, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header != _PSTANCE_HEADER:
                raise _fail(src.path, 1, f"unexpected header (found {header!r}, expected {_PSTANCE_HEADER!r})")
            for fields in reader:
                lineno = reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                if len(fields) != 3:
                    raise _fail(src.path, lineno, f"expected 3 fields (Tweet, Target, Stance), found {len(fields)}")
                rows[src.split] += 1
                tweet, target, stance = fields[0], fields[1].strip(), fields[2].strip()
                if stance == "NONE":
                    skips.add("label NONE is outside P-Stance's favor/against task")
                    continue
                if stance not in _PSTANCE_LABELS:
                    raise _fail(src.path, lineno, f"unknown stance (found {stance!r}, expected FAVOR or AGAINST)")
                if not target:
                    raise _fail(src.path, lineno, "empty Target")
                if not _clean(tweet):
                    skips.add("empty text")
                    continue
                yield lineno, {"article_id": f"pstance-{src.split}-{rows[src.split]}", "sentence": _clean(tweet),
                               "company": target, "label": _PSTANCE_LABELS[stance], "topic": target}

    return read


def _pstance_sources(folder: Path) -> list[_Source]:
    read = _pstance_reader()
    return [_Source(folder / f"raw_{part}_{target}.csv", split, read, f"the P-Stance {part} tweets about {target}")
            for part, split in (("train", "train"), ("val", "dev"), ("test", "test"))
            for target in PSTANCE_TARGETS]


# --- NewsMTSC -----------------------------------------------------------------------------------------------

def _read_newsmtsc(src: _Source, skips: _Skips) -> Iterator[tuple[int, dict]]:
    with _open_text(src.path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise _fail(src.path, lineno, f"not valid JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(obj, dict):
                raise _fail(src.path, lineno, f"expected a JSON object, found {type(obj).__name__}")
            sentence = obj.get("sentence_normalized")
            targets = obj.get("targets")
            if not isinstance(sentence, str):
                raise _fail(src.path, lineno, f"'sentence_normalized' must be a string, found {sentence!r:.60}")
            if not isinstance(targets, list) or not targets:
                raise _fail(src.path, lineno, f"'targets' must be a non-empty list, found {targets!r:.60}")
            text = _clean(sentence)
            if not text:
                skips.add("empty text")
                continue
            for i, target in enumerate(targets):
                where = f"targets[{i}]"
                if not isinstance(target, dict):
                    raise _fail(src.path, lineno, f"{where} must be an object, found {target!r:.60}")
                gid, mention, polarity = target.get("Input.gid"), target.get("mention"), target.get("polarity")
                if not isinstance(gid, str) or not gid:
                    raise _fail(src.path, lineno, f"{where}: 'Input.gid' must be a non-empty string, found {gid!r}")
                if not isinstance(mention, str) or not mention.strip():
                    raise _fail(src.path, lineno, f"{where}: 'mention' must be a non-empty string, found {mention!r}")
                if isinstance(polarity, bool) or not isinstance(polarity, (int, float)) \
                        or float(polarity) not in NEWSMTSC_POLARITY:
                    raise _fail(src.path, lineno, f"{where}: unknown polarity (found {polarity!r}, "
                                                  f"expected 2.0, 4.0 or 6.0)")
                if mention not in text:
                    raise _fail(src.path, lineno, f"{where}: mention {mention!r} does not occur in the sentence")
                yield lineno, {"article_id": gid, "sentence": text, "company": mention,
                               "label": NEWSMTSC_POLARITY[float(polarity)], "topic": "", "mention": mention}


def _newsmtsc_sources(folder: Path, variant: str) -> list[_Source]:
    long = {"rw": "real-world", "mt": "multi-target"}[variant]
    return [
        _Source(folder / "train.jsonl", "train", _read_newsmtsc, "the NewsMTSC training sentences (JSON Lines)"),
        _Source(folder / f"splits_{variant}" / "dev.jsonl", "dev", _read_newsmtsc,
                f"the NewsMTSC {long} dev sentences (JSON Lines, the authors' split of devtest_{variant}.jsonl)"),
        _Source(folder / f"splits_{variant}" / "test.jsonl", "test", _read_newsmtsc,
                f"the NewsMTSC {long} test sentences (JSON Lines, the authors' split of devtest_{variant}.jsonl)"),
    ]


# --- IBM Debater Claim Stance ----------------------------------------------------------------------------------

_IBM_COLUMNS = ("topicId", "split", "topicText", "claims.claimId", "claims.stance", "claims.claimCorrectedText")
_IBM_LABELS = {"PRO": "pro", "CON": "con"}
_IBM_SPLITS = {"train": _CARVE, "test": "test"}
_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")


def _read_ibm(src: _Source, skips: _Skips) -> Iterator[tuple[int, dict]]:
    with _open_text(src.path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None) or []
        missing = [c for c in _IBM_COLUMNS if c not in header]
        if missing:
            raise _fail(src.path, 1, f"missing columns {missing} (found {header[:8]!r}...)")
        col = {name: header.index(name) for name in _IBM_COLUMNS}
        joined = 0
        for fields in reader:
            lineno = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != len(header):
                raise _fail(src.path, lineno, f"expected {len(header)} fields, found {len(fields)}")
            split, stance = fields[col["split"]].strip(), fields[col["claims.stance"]].strip()
            claim_id, topic = fields[col["claims.claimId"]].strip(), _clean(fields[col["topicText"]])
            if split not in _IBM_SPLITS:
                raise _fail(src.path, lineno, f"unknown split (found {split!r}, expected train or test)")
            if stance not in _IBM_LABELS:
                raise _fail(src.path, lineno, f"unknown claims.stance (found {stance!r}, expected PRO or CON)")
            if not claim_id or not topic:
                raise _fail(src.path, lineno, "empty claims.claimId or topicText")
            claim = _clean(fields[col["claims.claimCorrectedText"]])
            if not claim:
                skips.add("empty text")
                continue
            if _LINE_BREAK.search(claim):
                claim = _LINE_BREAK.sub(" ", claim)
                joined += 1
            yield lineno, {"article_id": claim_id, "sentence": claim, "company": topic,
                           "label": _IBM_LABELS[stance], "topic": topic, "_split": _IBM_SPLITS[split]}
        if joined:
            log.info("%s: %d claim(s) had a line break inside; it was replaced by a space", src.path, joined)


def _ibm_sources(folder: Path) -> list[_Source]:
    return [_Source(folder / "claim_stance_dataset_v1.csv", "by column", _read_ibm,
                    "the IBM Debater Claim Stance CSV (21 columns, official header)")]


# --- loading ---------------------------------------------------------------------------------------------------

_SOURCES: dict[str, Callable[[Path], list[_Source]]] = {
    "semeval2016_a": _semeval_sources,
    "pstance": _pstance_sources,
    "newsmtsc_rw": lambda folder: _newsmtsc_sources(folder, "rw"),
    "newsmtsc_mt": lambda folder: _newsmtsc_sources(folder, "mt"),
    "ibm_claim_stance": _ibm_sources,
}


def default_data_dir() -> Path:
    """$STANCE_DATA_DIR if set, else <repository root>/../shared/data."""
    env = os.environ.get("STANCE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def in_dev(article_id: str) -> bool:
    """Whether a training record goes to the carved dev split: sha1 of its id in the lowest DEV_FRACTION."""
    h = int.from_bytes(hashlib.sha1(article_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return h < DEV_FRACTION


def _feeds(split: str) -> tuple[str, ...]:
    if split == _CARVE:
        return ("train", "dev")
    if split in SPLITS:
        return (split,)
    return SPLITS  # the split is given per row


def _sources_of(name: str, data_dir: Path | str | None) -> list[_Source]:
    if name not in _SOURCES:
        raise ValueError(f"unknown data set {name!r}: expected one of {', '.join(DATASETS)}")
    root = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    if not root.is_dir():
        raise FileNotFoundError(
            f"data directory {root} not found: expected the public stance data sets there, one folder each "
            f"({', '.join(sorted(set(FOLDERS.values())))}/, each with a SOURCE.md); pass data_dir= "
            f"(--data-dir) or set STANCE_DATA_DIR")
    folder = root / FOLDERS[name]
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} not found: expected the {name} data set's files there "
                                f"(as its SOURCE.md describes), in data directory {root}")
    sources = _SOURCES[name](folder)
    for src in sources:
        if not src.path.is_file():
            raise FileNotFoundError(f"{src.path} not found: expected {src.what} there")
    return sources


def load(name: str, data_dir: Path | str | None = None, *, limit: int | None = None) -> dict[str, list[dict]]:
    """{"train": [...], "dev": [...], "test": [...]} of flat records.

    `limit` keeps at most that many records per split and stops reading a file as soon as every split it
    feeds is full (a quick look at a data set; a carved dev split needs about ten times as many training rows).
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a non-negative integer or None, found {limit!r}")
    sources = _sources_of(name, data_dir)
    out: dict[str, list[dict]] = {split: [] for split in SPLITS}
    seen: dict[str, dict[str, str]] = {split: {} for split in SPLITS}

    def full(split: str) -> bool:
        return limit is not None and len(out[split]) >= limit

    for src in sources:
        feeds = _feeds(src.split)
        if all(full(s) for s in feeds):
            continue
        skips = _Skips()
        _undecodable[0] = 0
        for lineno, record in src.read(src, skips):
            split = record.pop("_split", src.split)
            if split == _CARVE:
                split = "dev" if in_dev(record["article_id"]) else "train"
            where = f"{src.path}:{lineno}"
            previous = seen[split].get(record["article_id"])
            if previous is not None:
                raise ValueError(f"{where}: duplicate id {record['article_id']!r} in the {split} split "
                                 f"(first at {previous})")
            if full(split):
                if all(full(s) for s in _feeds(src.split)):
                    break
                continue
            seen[split][record["article_id"]] = where
            out[split].append(record)
            if all(full(s) for s in feeds):
                break
        if _undecodable[0]:
            log.info("%s: %d byte(s) were not UTF-8 and were read as Windows-1252", src.path, _undecodable[0])
        for reason, n in sorted(skips.counts.items()):
            log.info("%s: skipped %d row(s): %s", src.path, n, reason)
    return out


# --- summary ---------------------------------------------------------------------------------------------------

def label_counts(data: dict[str, list[dict]]) -> dict[str, Counter]:
    """Records per label in each split."""
    return {split: Counter(r["label"] for r in records) for split, records in data.items()}


def _table(rows: Iterable[tuple[str, str, int, Counter]]) -> str:
    lines = ["| data set | split | records | per label |", "| --- | --- | ---: | --- |"]
    for name, split, n, counts in rows:
        labels = ", ".join(f"{label} {counts[label]:,}" for label in sorted(counts))
        lines.append(f"| {name} | {split} | {n:,} | {labels} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.adapters", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"data sets (default: all of {', '.join(DATASETS)})")
    parser.add_argument("--data-dir", default=None, help="folder of the data sets (default: $STANCE_DATA_DIR or "
                                                         "../shared/data next to the repository)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many records per split")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    names = args.names or list(DATASETS)
    rows, failed = [], 0
    for name in names:
        try:
            data = load(name, args.data_dir, limit=args.limit)
        except (FileNotFoundError, ValueError) as e:
            print(f"{name}: {e}", file=sys.stderr)
            failed += 1
            continue
        counts = label_counts(data)
        for split in SPLITS:
            rows.append((name, split, len(data[split]), counts[split]))
    if rows:
        print(_table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
