"""Annotation files in, validated articles out.

Reads the annotation format of DESIGN.md: JSON Lines with one article per line, and the flat form (CSV or JSONL
with the columns ``article_id, sentence, company, label[, topic][, mention]``). Every line is validated and every
problem is collected, so one :class:`~stance.errors.AnnotationError` lists each bad line as ``path:line: ...``.
Exact duplicates are dropped and counted; nothing else is dropped. Building model examples from the articles is
:mod:`stance.data`'s job, not this module's.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import AnnotationError

DEFAULT_LABELS: tuple[str, ...] = ("against", "favor", "neutral")
ARTICLE_KEYS = {"id", "text", "topic", "title", "positions", "sentences", "aliases"}
EXTRA_KEYS = {"url", "date", "source", "meta"}  # carried by users, ignored by stance
SENTENCE_KEYS = {"text", "company", "label", "mention", "tags", "note"}
FLAT_COLUMNS = ("article_id", "sentence", "company", "label")
FLAT_OPTIONAL = ("topic", "mention")
SUFFIXES = (".jsonl", ".csv")
EXTRA_CELLS = "\x00extra"  # csv.DictReader key for cells beyond the header


@dataclass(frozen=True)
class LabelledSentence:
    """One (sentence, company, label) annotation; offsets point into the article text."""

    text: str
    company: str
    label: str
    start: int
    mention: tuple[int, int] | None  # span of the company's mention inside ``text``; None when not named
    tags: tuple[str, ...] = ()
    source: str = ""  # "path:line"

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class Article:
    """An annotated article: its text, article-level positions and sentence-level labels."""

    id: str
    text: str
    topic: str | None = None
    title: str | None = None
    positions: dict[str, str] = field(default_factory=dict)
    sentences: list[LabelledSentence] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""  # "path:line" of its (first) line
    flat: bool = False  # built from flat rows: the text is the sentences joined, no positions


@dataclass
class Annotations:
    """What :func:`read_annotations` found: the articles, the labels, and what it dropped."""

    articles: list[Article]
    labels: tuple[str, ...]
    files: list[Path]
    duplicates_dropped: int = 0


def find_files(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    """Expand files and directories (their ``.jsonl`` and ``.csv`` files, sorted) into a list of files."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix in SUFFIXES and f.is_file())
            if not found:
                raise FileNotFoundError(f"{p}: no .jsonl or .csv annotation files in this directory")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory (expected an annotation file or a directory of them)")
    return files


def read_annotations(paths: str | Path | Sequence[str | Path], *, labels: Sequence[str] | None = None) -> Annotations:
    """Read and validate annotation files; raise one :class:`AnnotationError` listing every problem.

    ``labels`` is the label set (default favor/against/neutral); labels are compared in lower case.

    >>> ann = read_annotations("stance/corpus")            # doctest: +SKIP
    >>> len(ann.articles), ann.labels                      # doctest: +SKIP
    (330, ('against', 'favor', 'neutral'))
    """
    label_set = tuple(sorted({str(x).strip().lower() for x in (labels or DEFAULT_LABELS)}))
    if len(label_set) < 2:
        raise ValueError(f"a label set needs at least two labels, got {list(label_set)}")
    reader = _Reader(label_set)
    files = find_files(paths)
    for path in files:
        reader.read_file(path)
    if reader.problems:
        raise AnnotationError(reader.problems)
    return Annotations(list(reader.articles.values()), label_set, files, reader.duplicates)


class _Reader:
    """Accumulates articles and problems over several files."""

    def __init__(self, labels: tuple[str, ...]):
        self.labels = labels
        self.articles: dict[str, Article] = {}
        self.problems: list[str] = []
        self.duplicates = 0
        self._seen_lines: set[str] = set()

    # -- files -------------------------------------------------------------------------------------------
    def read_file(self, path: Path) -> None:
        raw = path.read_bytes()
        if not raw.strip():
            self.problems.append(f"{path}: the file is empty (expected annotation lines)")
            return
        lines = raw.split(b"\n")
        text_lines: list[str | None] = []
        if lines[0].startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark (Excel's "CSV UTF-8")
            lines[0] = lines[0][3:]
        for i, line in enumerate(lines, 1):
            try:
                text_lines.append(line.decode("utf-8").rstrip("\r"))
            except UnicodeDecodeError as e:
                self.problems.append(
                    f"{path}:{i}: not valid UTF-8 (byte 0x{line[e.start]:02x} at column {e.start + 1}); "
                    "save the file as UTF-8"
                )
                text_lines.append(None)
        if path.suffix == ".csv":
            self._read_csv(path, text_lines)
        else:
            for i, line in enumerate(text_lines, 1):
                if line is not None and line.strip():
                    self._read_json_line(path, i, line)

    def _read_csv(self, path: Path, lines: list[str | None]) -> None:
        good = "\n".join(line if line is not None else "" for line in lines)
        reader = csv.DictReader(io.StringIO(good), restkey=EXTRA_CELLS)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in FLAT_COLUMNS if c not in header]
        if missing:
            self.problems.append(f"{path}:1: missing column(s) {missing} (found {header}, expected {list(FLAT_COLUMNS)} "
                                 f"and optionally {list(FLAT_OPTIONAL)})")
            return
        reader.fieldnames = header
        for row in reader:
            line = reader.line_num
            if lines[line - 1] is None:
                continue  # already reported as bad UTF-8
            if row.get(EXTRA_CELLS):
                self.problems.append(f"{path}:{line}: {len(row[EXTRA_CELLS])} more cell(s) than the header's "
                                     f"{len(header)} columns (an unquoted comma in the sentence?)")
                continue
            if not any(isinstance(v, str) and v.strip() for v in row.values()):
                continue
            self._add_flat(f"{path}:{line}", row)

    def _read_json_line(self, path: Path, i: int, line: str) -> None:
        where = f"{path}:{i}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            self.problems.append(f"{where}: not valid JSON ({e.msg} at column {e.colno})")
            return
        if not isinstance(obj, dict):
            self.problems.append(f"{where}: expected a JSON object, found {type(obj).__name__}")
            return
        key = json.dumps(obj, sort_keys=True, ensure_ascii=False)
        if key in self._seen_lines:
            self.duplicates += 1
            return
        self._seen_lines.add(key)
        if "article_id" in obj and "sentence" in obj:
            self._add_flat(where, obj)
        else:
            self._add_article(where, obj)

    # -- one record --------------------------------------------------------------------------------------
    def _label(self, where: str, value: Any, what: str) -> str | None:
        if not isinstance(value, str) or value.strip().lower() not in self.labels:
            self.problems.append(f"{where}: {what} {value!r} is not one of {list(self.labels)}")
            return None
        return value.strip().lower()

    def _add_article(self, where: str, obj: dict) -> None:
        problems_before = len(self.problems)
        unknown = set(obj) - ARTICLE_KEYS - EXTRA_KEYS
        if unknown:
            self.problems.append(f"{where}: unknown key(s) {sorted(unknown)} (expected some of {sorted(ARTICLE_KEYS)})")
        art_id, text = obj.get("id"), obj.get("text")
        if not isinstance(art_id, str) or not art_id.strip():
            self.problems.append(f"{where}: missing 'id' (found {art_id!r}, expected a non-empty string)")
        if not isinstance(text, str) or not text.strip():
            self.problems.append(f"{where}: missing 'text' (found {_short(text)}, expected the article text)")
        for key in ("topic", "title"):
            if obj.get(key) is not None and not isinstance(obj[key], str):
                self.problems.append(f"{where}: '{key}' must be a string, found {type(obj[key]).__name__}")
        if "sentences" not in obj and "positions" not in obj:
            self.problems.append(f"{where}: neither 'sentences' nor 'positions' given (expected at least one)")
        aliases = self._aliases(where, obj.get("aliases", {}))
        positions = self._positions(where, obj.get("positions", {}))
        if len(self.problems) > problems_before:
            return
        article = Article(art_id.strip(), text, obj.get("topic") or None, obj.get("title") or None,
                          positions, [], aliases, where)
        sentences = obj.get("sentences", [])
        if not isinstance(sentences, list):
            self.problems.append(f"{where}: 'sentences' must be a list, found {type(sentences).__name__}")
            return
        labels = [self._sentence(f"{where}: sentences[{j}]", article, s) for j, s in enumerate(sentences)]
        self._merge(where, article, [s for s in labels if s is not None])

    def _aliases(self, where: str, aliases: Any) -> dict[str, list[str]]:
        if not isinstance(aliases, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(a, str) and a.strip() for a in v)
            for k, v in aliases.items()
        ):
            self.problems.append(f"{where}: 'aliases' must map company names to lists of names, found {_short(aliases)}")
            return {}
        return {k: list(v) for k, v in aliases.items()}

    def _positions(self, where: str, positions: Any) -> dict[str, str]:
        if not isinstance(positions, dict):
            self.problems.append(f"{where}: 'positions' must map company names to labels, found {_short(positions)}")
            return {}
        out = {}
        for company, label in positions.items():
            lab = self._label(where, label, f"position of {company!r}:")
            if lab is not None:
                out[company] = lab
        return out

    def _sentence(self, where: str, article: Article, s: Any) -> LabelledSentence | None:
        if not isinstance(s, dict):
            self.problems.append(f"{where}: expected an object with text, company and label, found {_short(s)}")
            return None
        unknown = set(s) - SENTENCE_KEYS
        if unknown:
            self.problems.append(f"{where}: unknown key(s) {sorted(unknown)} (expected some of {sorted(SENTENCE_KEYS)})")
        text, company = s.get("text"), s.get("company")
        label = self._label(where, s.get("label"), "label")
        if not isinstance(text, str) or not text.strip():
            self.problems.append(f"{where}: missing sentence 'text' (found {_short(text)})")
            return None
        if not isinstance(company, str) or not company.strip():
            self.problems.append(f"{where}: missing 'company' (found {_short(company)})")
            return None
        start = article.text.find(text)
        if start < 0:
            self.problems.append(f"{where}: sentence not found in the article text: {_short(text)}")
            return None
        mention = find_mention(text, company, article.aliases.get(company, []), s.get("mention"))
        if mention is None:
            names = [company, *article.aliases.get(company, [])]
            extra = f" or the given mention {s['mention']!r}" if s.get("mention") else ""
            self.problems.append(f"{where}: the sentence does not mention {company!r} (looked for {names}{extra}; "
                                 "add an alias or a 'mention'): " + _short(text))
            return None
        tags = s.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.problems.append(f"{where}: 'tags' must be a list of strings, found {_short(tags)}")
            return None
        if label is None:
            return None
        return LabelledSentence(text, company, label, start, mention, tuple(tags), where)

    def _add_flat(self, where: str, row: dict) -> None:
        values = {k: row.get(k) for k in (*FLAT_COLUMNS, *FLAT_OPTIONAL)}
        missing = [k for k in FLAT_COLUMNS if not isinstance(values[k], str) or not values[k].strip()]
        label = self._label(where, values["label"], "label") if "label" not in missing else None
        if missing:
            self.problems.append(f"{where}: missing or empty {missing} (expected columns {list(FLAT_COLUMNS)})")
            return
        if label is None:
            return
        sentence, company = values["sentence"].strip(), values["company"].strip()
        mention = find_mention(sentence, company, [], values.get("mention"))
        if values.get("mention") and mention is None:
            self.problems.append(f"{where}: mention {values['mention']!r} does not occur in the sentence")
            return
        art_id = values["article_id"].strip()
        topic = str(values.get("topic") or "").strip() or None
        article = Article(art_id, sentence, topic, None, {}, [], {}, where, flat=True)
        self._merge(where, article, [LabelledSentence(sentence, company, label, 0, mention, (), where)])

    # -- merging articles that share an id -------------------------------------------------------------
    def _merge(self, where: str, new: Article, labels: list[LabelledSentence]) -> None:
        """Add an article, or merge it into the one read earlier with the same id."""
        old = self.articles.get(new.id)
        if old is None:
            self.articles[new.id] = new
            self._add_labels(new, labels)
        elif new.flat and old.flat:
            if old.topic != new.topic:
                self.problems.append(f"{where}: article {new.id!r} has topic {new.topic!r} here but {old.topic!r} "
                                     f"at {old.source}")
                return
            s = labels[0]
            start = next((x.start for x in old.sentences if x.text == s.text), -1)
            if start < 0:  # a new sentence of this article (not merely a substring of an earlier one)
                start = len(old.text) + 1
                old.text = old.text + " " + s.text
            self._add_labels(old, [LabelledSentence(s.text, s.company, s.label, start, s.mention, s.tags, s.source)])
        elif old.flat != new.flat or old.text != new.text:
            self.problems.append(f"{where}: duplicate article id {new.id!r} with a different text (first seen at "
                                 f"{old.source})")
        elif (old.topic, old.title) != (new.topic, new.title):
            self.problems.append(f"{where}: article {new.id!r} has topic/title {(new.topic, new.title)!r} here but "
                                 f"{(old.topic, old.title)!r} at {old.source}")
        else:
            for company, label in new.positions.items():
                if old.positions.setdefault(company, label) != label:
                    self.problems.append(f"{where}: position of {company!r} is {label!r} here but "
                                         f"{old.positions[company]!r} at {old.source}")
            for company, names in new.aliases.items():
                known = old.aliases.setdefault(company, [])
                known += [n for n in names if n not in known]
            self._add_labels(old, labels)

    def _add_labels(self, article: Article, labels: list[LabelledSentence]) -> None:
        """Append sentence labels; drop exact duplicates (counted), report contradicting ones."""
        seen = {(s.start, s.end, s.company): s for s in article.sentences}
        for s in labels:
            first = seen.get((s.start, s.end, s.company))
            if first is None:
                seen[(s.start, s.end, s.company)] = s
                article.sentences.append(s)
            elif first.label == s.label:
                self.duplicates += 1
            else:
                self.problems.append(f"{s.source}: conflicting labels for {s.company!r} in the same sentence: "
                                     f"{s.label!r} here, {first.label!r} at {first.source}")


def find_mention(sentence: str, company: str, aliases: Iterable[str], mention: Any) -> tuple[int, int] | None:
    """Span of the company's mention in the sentence: the given mention, else its name or an alias."""
    if isinstance(mention, str) and mention.strip():
        i = sentence.find(mention)
        return (i, i + len(mention)) if i >= 0 else None
    for name in sorted({company, *aliases}, key=len, reverse=True):
        m = re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", sentence, flags=re.IGNORECASE)
        if m is None:
            m = re.search(re.escape(name), sentence, flags=re.IGNORECASE)
        if m is not None:
            return m.span()
    return None


def _short(value: Any, n: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= n else text[: n - 3] + "..."
