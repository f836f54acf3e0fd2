"""The bundled corpus: it validates, meets its counts and balance, covers the hard cases, repeats no patterns."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from stance import build

CORPUS = Path(__file__).resolve().parent.parent / "stance" / "corpus"
HARD_CASES = ("opposite_in_sentence", "negation", "condition", "changed_position", "critic_vs_company",
              "source_or_passing", "coreference", "cross_topic")


@pytest.fixture(scope="module")
def corpus():
    return build(CORPUS)


def _all(data, kind):
    return [x for split in ("train", "dev", "test") for x in getattr(data, kind)[split]]


def test_corpus_counts(corpus):
    articles, examples = _all(corpus, "articles"), _all(corpus, "examples")
    companies = {c for a in articles for c in a.positions}
    assert len(articles) >= 300
    assert len({a.topic for a in articles}) >= 30
    assert len(companies) >= 120
    assert len(examples) >= 3000
    assert all(a.positions for a in articles), "every article has article-level positions"
    assert all(s.company in a.positions for a in articles for s in a.sentences)
    assert all(corpus.articles[s] for s in ("train", "dev", "test"))


def test_corpus_label_balance(corpus):
    examples = Counter(e.label for e in _all(corpus, "examples"))
    positions = Counter(lab for a in _all(corpus, "articles") for lab in a.positions.values())
    for counts in (examples, positions):
        total = sum(counts.values())
        for label in ("favor", "against", "neutral"):
            assert counts[label] / total >= 0.20, (label, counts)


def test_corpus_hard_cases(corpus):
    tags = Counter(t for e in _all(corpus, "examples") for t in e.tags)
    for tag in HARD_CASES:
        assert tags[tag] >= 40, (tag, tags[tag])
    assert not set(tags) - set(HARD_CASES), set(tags) - set(HARD_CASES)


def test_corpus_article_lengths(corpus):
    words = [len(a.text.split()) for a in _all(corpus, "articles")]
    assert min(words) >= 60 and max(words) <= 1000
    assert len({w // 100 for w in words}) >= 5  # varied lengths, not one template


QUOTE = re.compile(r"[\"“][^\"”]*[\"”]")


def _shingles(article, n=8):
    text = QUOTE.sub(" | ", article.text)
    names = sorted({*article.positions, *(x for v in article.aliases.values() for x in v)}, key=len, reverse=True)
    for name in names:
        text = text.replace(name, " | ")
    words = re.findall(r"[a-z0-9']+|\|", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1) if "|" not in words[i:i + n]}


def test_no_sentence_shape_repeats_across_articles(corpus):
    seen = defaultdict(set)
    for a in _all(corpus, "articles"):
        for g in _shingles(a):
            seen[g].add(a.id)
    worst = sorted(seen.items(), key=lambda kv: -len(kv[1]))[:5]
    assert len(worst[0][1]) <= 3, [(" ".join(g), sorted(ids)) for g, ids in worst]
