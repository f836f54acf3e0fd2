"""Articles in, every company's position out: sentences, company mentions, examples, model, aggregation.

:func:`classify` reads one article, :func:`classify_many` streams many (one model call for the sentences of a
chunk of articles, results in input order, memory bounded by the chunk). Sentence splitting is
:mod:`stance.sentences`', company detection :mod:`stance.companies`', the rule :mod:`stance.aggregate`'s.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .aggregate import aggregate
from .data import Example
from .inputs import BATCH_SIZE
from .results import ArticleResult, Evidence, Position
from .sentences import split_sentences

log = logging.getLogger(__name__)

BLOCK_CHARS = 100_000  # company detection reads long texts in blocks of whole sentences
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "default"


@dataclass
class _Article:
    """An article prepared for the model: its examples and, per company, which examples are its."""

    text: str
    topic: str | None
    id: str | None
    companies: dict[str, list[int]]          # company -> indices into examples, in text order
    mention_counts: dict[str, int]
    examples: list[Example]
    spans: list[tuple[int, int]]             # sentence span of each example


def classify(text: str, *, topic: str | None = None, companies: Sequence[str] | None = None,
             title: str | None = None, model=None) -> ArticleResult:
    """Every company's position in an article, with a confidence and the evidence sentences.

    ``topic`` is the issue (the model was also trained without it); ``companies`` restricts and names the
    companies to report; ``model`` is a loaded :class:`~stance.StanceModel` or a model directory (default:
    ``$STANCE_MODEL`` or ``models/default``). ``title`` is kept with the result but not read.

    >>> r = classify("Acme Corp. will not sell face recognition to police until a law exists.")  # doctest: +SKIP
    >>> r.positions[0].company, r.positions[0].label                                             # doctest: +SKIP
    ('Acme', 'against')
    """
    return next(classify_many([text], topic=topic, companies=companies, model=model, progress=False))


def classify_many(texts: Iterable[str | dict], *, topic: str | None = None, companies: Sequence[str] | None = None,
                  model=None, chunk_size: int = 16, batch_size: int = BATCH_SIZE,
                  progress: bool = True) -> Iterator[ArticleResult]:
    """Classify many articles, streaming results in input order.

    Each item is a text or a dict with ``text`` and optional ``topic``, ``id``, ``companies``. Articles are read
    in chunks of ``chunk_size``: company detection runs over the chunk with ``nlp.pipe`` and the model sees all
    the chunk's examples in one length-sorted call.
    """
    model = _resolve_model(model)
    finder = default_finder()
    items = (_as_item(t, topic, companies) for t in texts)
    from .progress import progress_bar

    for chunk in _chunks(progress_bar(items, enabled=progress, desc="classify", unit="article"), chunk_size):
        prepared = prepare(chunk, model, finder)
        for art, probs in zip(prepared, _article_probs(model, prepared, batch_size=batch_size)):
            yield _result(art, probs, model.labels, model.settings.aggregation)


def prepare(items: Sequence[dict], model, finder) -> list[_Article]:
    """Split sentences, find company mentions and build one example per (sentence, company)."""
    settings = getattr(model, "settings", None)  # baselines have no settings and know no aliases
    aliases = dict(getattr(settings, "aliases", None) or {})
    shared = all(it.get("companies") == items[0].get("companies") and not it.get("aliases") for it in items)
    short = shared and all(len(it["text"]) <= BLOCK_CHARS for it in items)
    if short and items:  # the common case: one spaCy pass over the whole chunk
        found = finder.find_many([(it["text"], it["spans"]) for it in items],
                                 companies=items[0].get("companies"), aliases=aliases)
        return [_build(it, mentions) for it, mentions in zip(items, found)]
    out = []
    for item in items:
        item_aliases = {**aliases, **(item.get("aliases") or {})}
        mentions = _find_mentions(finder, item["text"], item["spans"], item.get("companies"), item_aliases)
        out.append(_build(item, mentions))
    return out


def company_probabilities(model, articles, *, progress: bool = False) -> tuple[list[str], list[np.ndarray]]:
    """For annotated articles: gold position and example probabilities of each annotated company.

    The companies (and aliases) come from the annotations, so detection errors do not mix in. A company the
    text never mentions gets no examples (its position is then neutral).
    """
    finder = default_finder()
    items = [{"text": a.text, "topic": a.topic, "id": a.id, "companies": list(a.positions), "aliases": a.aliases,
              "spans": split_sentences(a.text)} for a in articles if a.positions]
    prepared = prepare(items, model, finder)
    gold, groups = [], []
    annotated = [a for a in articles if a.positions]
    for art, a, part in zip(prepared, annotated, _article_probs(model, prepared, progress=progress)):
        for company, label in a.positions.items():
            gold.append(label)
            groups.append(part[art.companies.get(company, [])])
    return gold, groups


def _article_probs(model, prepared: list[_Article], **kwargs) -> list[np.ndarray]:
    """One model call for the examples of all prepared articles; each article's rows of probabilities."""
    examples = [e for a in prepared for e in a.examples]
    probs = model.predict_proba(examples, **kwargs) if examples else np.zeros((0, len(model.labels)))
    bounds = np.cumsum([0] + [len(a.examples) for a in prepared])
    return [probs[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]


@functools.lru_cache(maxsize=1)
def default_finder():
    """The company finder shared by all calls (spaCy loads once, on first use)."""
    from .companies import CompanyFinder

    return CompanyFinder()


@functools.lru_cache(maxsize=4)
def load_model(path: str):
    """Load a model directory once per process."""
    from .modeling import StanceModel

    return StanceModel.from_pretrained(path)


def default_model_path() -> Path:
    """``$STANCE_MODEL`` if set, else ``models/default`` of this checkout."""
    return Path(os.environ.get("STANCE_MODEL") or DEFAULT_MODEL_DIR)


def _resolve_model(model):
    from .errors import ModelFormatError
    from .modeling import StanceModel

    if isinstance(model, StanceModel):
        return model
    if model is None:
        path = default_model_path()
        if not (path / "stance.json").is_file():
            raise ModelFormatError(f"no default model at {path}: build it with `make model` (or `stance train "
                                   "--default --out models/default`), or point STANCE_MODEL at a model directory")
        return load_model(str(path.resolve()))
    if isinstance(model, (str, Path)):
        return load_model(str(Path(model).resolve()))
    raise TypeError(f"model must be a StanceModel or a model directory path, got {type(model).__name__}")


def _as_item(t: Any, topic: str | None, companies: Sequence[str] | None) -> dict:
    item = dict(t) if isinstance(t, dict) else {"text": t}
    text = item.get("text")
    if not isinstance(text, str):
        raise TypeError(f"expected the article text as a str, got {type(text).__name__}")
    if item.get("topic") is None:
        item["topic"] = topic
    if item.get("companies") is None:
        item["companies"] = companies
    if item["companies"] is not None and (isinstance(item["companies"], str)
                                          or not all(isinstance(c, str) for c in item["companies"])):
        raise TypeError(f"companies must be a list of names, got {item['companies']!r:.80}")
    if item["topic"] is not None and not isinstance(item["topic"], str):
        raise TypeError(f"topic must be a str, got {type(item['topic']).__name__}")
    item["spans"] = split_sentences(text)
    return item


def _find_mentions(finder, text: str, spans: list[tuple[int, int]], companies, aliases) -> list:
    """Mentions over the whole text; a long text is read in blocks of whole sentences (bounded memory)."""
    if len(text) <= BLOCK_CHARS:
        return finder.find(text, spans, companies=companies, aliases=aliases)
    from .companies import Mention

    out, block = [], []
    for i, span in enumerate(spans + [None]):
        if span is not None and (not block or span[1] - spans[block[0]][0] <= BLOCK_CHARS):
            block.append(i)
            continue
        start = spans[block[0]][0]
        local = [(spans[j][0] - start, spans[j][1] - start) for j in block]
        sub = text[start:spans[block[-1]][1]]
        for m in finder.find(sub, local, companies=companies, aliases=aliases):
            out.append(Mention(m.company, m.start + start, m.end + start, m.sentence + block[0], m.kind))
        block = [i] if span is not None else []
    return out


def _build(item: dict, mentions: list) -> _Article:
    text, spans, topic = item["text"], item["spans"], item.get("topic")
    first: dict[tuple[int, str], Any] = {}
    counts: dict[str, int] = {}
    for m in mentions:
        counts[m.company] = counts.get(m.company, 0) + 1
        first.setdefault((m.sentence, m.company), m)
    companies: dict[str, list[int]] = {}
    for m in sorted(mentions, key=lambda m: m.start):
        companies.setdefault(m.company, [])
    examples, ex_spans = [], []
    for (sent, company), m in sorted(first.items(), key=lambda kv: (kv[0][0], kv[1].start)):
        a, b = spans[sent]
        context = text[spans[sent - 1][0]:spans[sent - 1][1]] if sent > 0 else ""
        companies[company].append(len(examples))
        examples.append(Example(text[a:b], company, topic, None, (m.start - a, m.end - a), context, item.get("id") or ""))
        ex_spans.append((a, b))
    return _Article(text, topic, item.get("id"), companies, counts, examples, ex_spans)


def _result(art: _Article, probs: np.ndarray, labels: Sequence[str], rule: dict) -> ArticleResult:
    positions = []
    for company, idx in art.companies.items():
        p = probs[idx]
        label_i, company_probs, _ = aggregate(p, labels, rule)
        order = sorted(range(len(idx)), key=lambda k: -p[k][label_i])
        evidence = tuple(
            Evidence(art.examples[idx[k]].sentence, *art.spans[idx[k]], labels[int(p[k].argmax())],
                     {lab: round(float(v), 4) for lab, v in zip(labels, p[k])})
            for k in order
        )
        positions.append(Position(company, labels[label_i], round(float(company_probs[label_i]), 4),
                                  {lab: round(float(v), 4) for lab, v in zip(labels, company_probs)},
                                  art.mention_counts.get(company, 0), evidence))
    return ArticleResult(tuple(positions), art.topic, art.id, tuple(labels))


def _chunks(items: Iterable, n: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, n)):
        yield chunk
