"""Company names and the word lists company detection reads.

Holds the `Mention` type, name normalisation (`normalize_company`, `company_key`) and the word lists, loaded
once by `_lexicon` from ``stance/resources/known_companies.txt`` and ``stance/resources/non_business.txt``.
The finder that uses them, `CompanyFinder`, is in :mod:`stance.companies`, which re-exports these names.
"""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Mention", "company_key", "normalize_company"]

_KINDS = ("name", "alias", "reference")
_ARTICLES = frozenset({"the", "The", "THE"})
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_QUOTES = "\"'“”‘’«»„‚‹›`´()[]{}<>,;:!?*"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


# ----------------------------------------------------------------------------------------------------
# Public data type and name normalisation
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """One span of a text that names, or refers to, a company.

    >>> Mention("Microsoft", 0, 9, 0, "name")
    Mention(company='Microsoft', start=0, end=9, sentence=0, kind='name')
    """

    company: str  # canonical name
    start: int  # character offsets into the original text: text[start:end] is the mention as written
    end: int
    sentence: int  # index into the `sentences` passed to `find`
    kind: str  # "name", "alias" or "reference"

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"Mention.kind must be one of {list(_KINDS)}, got {self.kind!r}")
        if not 0 <= self.start <= self.end:
            raise ValueError(f"Mention offsets must satisfy 0 <= start <= end, got {self.start}, {self.end}")


def normalize_company(name: str) -> str:
    """Return the core of a company name, for comparing names (not for display).

    Removes invisible characters, surrounding quotes and space, a leading "the", a possessive ("'s" or a
    trailing "'", also when it belongs to the name: "McDonald's" -> "McDonald"), legal suffixes
    ("Inc.", "Corp.", "Co.", "Ltd", "plc", "LLC", "AG", "SA", "NV", "GmbH", ...), then "Group",
    "Holdings" and "Holding", and a trailing ".com" ("Amazon.com Inc" -> "Amazon"). Case is kept. A
    word is only removed while at least one word stays, so "Group" stays "Group".

    >>> normalize_company("Microsoft Corp.")
    'Microsoft'
    >>> normalize_company("the Washington Post's")
    'Washington Post'
    >>> normalize_company("JPMorgan Chase & Co.")
    'JPMorgan Chase'
    >>> normalize_company("Alibaba Group Holding Ltd")
    'Alibaba'
    """
    lex = _lexicon()
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", name)).translate(_APOSTROPHES)
    words = text.split()
    words = _strip_edges(words)
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    changed = True
    while changed and words:
        changed = False
        words = _strip_edges(words)
        last = words[-1]
        if last.endswith("'s") or last.endswith("'S"):
            words[-1] = last[:-2]
            changed = True
        elif last.endswith("s'") and len(last) > 2:
            words[-1] = last[:-1]
            changed = True
        if len(words) > 1 and (words[-1] in lex.legal_suffixes or words[-1] in lex.strip_words):
            words = words[:-1]
            changed = True
        elif len(words) > 1 and words[-1] in {"&", "and", "-"}:
            words = words[:-1]
            changed = True
    if words and words[-1].lower().endswith(".com") and len(words[-1]) > 5:
        words[-1] = words[-1][:-4]
    result = " ".join(w for w in words if w)
    return result or " ".join(text.split()).strip(_QUOTES)


def company_key(name: str) -> str:
    """Return the key two names of one company share: normalised, case-, accent- and punctuation-folded.

    >>> company_key("Nestlé S.A.") == company_key("NESTLE")
    True
    >>> company_key("Mercedes-Benz Group AG") == company_key("Mercedes Benz")
    True
    """
    core = normalize_company(name)
    folded = "".join(c for c in unicodedata.normalize("NFKD", core) if not unicodedata.combining(c))
    folded = folded.casefold().replace(".", "").replace("-", " ").replace("'", "")
    return " ".join(folded.split())


def _strip_edges(words: list[str]) -> list[str]:
    """Strip quotes and punctuation from the first and last word of a name, dropping words left empty."""
    words = [w for w in words if w.strip(_QUOTES)]
    if not words:
        return words
    words = list(words)
    words[0] = words[0].lstrip(_QUOTES)
    words[-1] = words[-1].rstrip(_QUOTES)
    return [w for w in words if w]


# ----------------------------------------------------------------------------------------------------
# Word lists (stance/resources/*.txt)
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lexicon:
    """The word lists company detection reads from the resource files."""

    companies: dict[str, tuple[str, ...]]  # canonical name -> aliases
    legal_suffixes: frozenset[str]
    strip_words: frozenset[str]
    business_words: frozenset[str]
    reference_nouns: tuple[str, ...]
    business_context: frozenset[str]
    nonbusiness_words: frozenset[str]
    nonbusiness_phrases: tuple[tuple[str, ...], ...]
    nonbusiness_names: frozenset[str]  # company_key form
    person_titles: frozenset[str]
    products: frozenset[str]  # company_key form
    following_words: frozenset[str]
    first_names: frozenset[str]
    reference_set: frozenset[str]


def _read_sections(filename: str) -> dict[str, list[str]]:
    """Read a resource file of "[section]" headers and one entry a line ("#" starts a comment)."""
    path = importlib.resources.files("stance") / "resources" / filename
    sections: dict[str, list[str]] = {}
    current = "default"
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        sections.setdefault(current, []).append(line)
    return sections


def _parse_companies(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Parse "Canonical|alias|alias" lines."""
    companies: dict[str, tuple[str, ...]] = {}
    for line in lines:
        parts = [p.strip() for p in line.split("|") if p.strip()]
        if parts:
            companies[parts[0]] = tuple(parts[1:])
    return companies


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """Load the word lists once."""
    known = _read_sections("known_companies.txt")
    non = _read_sections("non_business.txt")
    words = non.get("words", [])
    return _Lexicon(
        companies=_parse_companies(known.get("companies", [])),
        legal_suffixes=frozenset(known.get("legal suffixes", [])),
        strip_words=frozenset(known.get("strip words", [])),
        business_words=frozenset(known.get("business words", [])),
        reference_nouns=tuple(known.get("reference nouns", [])),
        business_context=frozenset(known.get("business context", [])),
        nonbusiness_words=frozenset(w for w in words if " " not in w),
        nonbusiness_phrases=tuple(tuple(w.split()) for w in words if " " in w),
        nonbusiness_names=frozenset(_raw_key(n) for n in non.get("names", [])),
        person_titles=frozenset(non.get("person titles", [])),
        products=frozenset(_raw_key(n) for n in non.get("products", [])),
        following_words=frozenset(non.get("following words", [])),
        first_names=frozenset(w for line in non.get("first names", []) for w in line.split()),
        reference_set=frozenset(known.get("reference nouns", [])),
    )


def _raw_key(name: str) -> str:
    """A folded form of a name without removing suffixes (for the non-business and product lists)."""
    words = name.split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    text = " ".join(words).translate(_APOSTROPHES)
    if text.endswith("'s"):
        text = text[:-2]
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.casefold().replace(".", "").replace("-", " ").split())

