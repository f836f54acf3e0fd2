"""Company detection: names, variants, non-businesses, given companies and aliases, references, odd input."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stance.companies import CompanyFinder, Mention, company_key, normalize_company


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans for the test texts: split after ". " before a capital or a quote."""
    spans, start = [], 0
    for m in re.finditer(r"[.!?][\"”]?(\s+)(?=[A-Z\"“])", text):
        spans.append((start, m.start(1)))
        start = m.end(1)
    spans.append((start, len(text)))
    return spans


@pytest.fixture(scope="module")
def finder() -> CompanyFinder:
    return CompanyFinder()


def companies(finder: CompanyFinder, text: str, **kwargs) -> set[str]:
    return {m.company for m in finder.find(text, sentences(text), **kwargs)}


FACE_ARTICLE = (
    "Microsoft will not sell facial recognition technology to police departments in the United States until "
    "a national law is in place, company President Brad Smith said on Thursday. "
    "Amazon said on Wednesday it would pause police use of its Rekognition software for a year, saying it hoped "
    "Congress would use the time to pass rules. "
    "IBM said earlier this week that it was leaving the facial recognition business altogether. "
    "The Seattle Police Department said it had never used the software. "
    '"We will not sell facial recognition technology to police departments," Smith told The Washington Post. '
    "Microsoft's decision was welcomed by civil liberties groups."
)


# -- normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Microsoft Corp.", "Microsoft"),
        ("Microsoft's", "Microsoft"),
        ("Microsoft’s", "Microsoft"),
        ("  “Microsoft Corporation” ", "Microsoft"),
        ("the Washington Post", "Washington Post"),
        ("The New York Times Co.", "New York Times"),
        ("JPMorgan Chase & Co.", "JPMorgan Chase"),
        ("Goldman Sachs Group Inc.", "Goldman Sachs"),
        ("Alibaba Group Holding Ltd", "Alibaba"),
        ("Amazon.com Inc", "Amazon"),
        ("Volkswagen AG", "Volkswagen"),
        ("Halberd Freight Ltd", "Halberd Freight"),
        ("General Motors'", "General Motors"),
        ("Group", "Group"),
        ("Inc.", "Inc."),
        ("", ""),
    ],
)
def test_normalize_company(name: str, expected: str) -> None:
    assert normalize_company(name) == expected


def test_company_key_folds_case_accents_and_punctuation() -> None:
    assert company_key("Nestlé S.A.") == company_key("NESTLE") == "nestle"
    assert company_key("Mercedes-Benz Group AG") == company_key("Mercedes Benz")
    assert company_key("Microsoft") != company_key("Micron")


# -- detection without a list -----------------------------------------------------------------------


def test_face_recognition_article_gives_exactly_the_businesses(finder: CompanyFinder) -> None:
    assert companies(finder, FACE_ARTICLE) == {"Microsoft", "Amazon", "IBM", "The Washington Post"}


def test_variants_of_one_name_are_one_company(finder: CompanyFinder) -> None:
    text = "Microsoft Corp. said on Thursday it would act. Microsoft's shares rose. Analysts like Microsoft."
    found = finder.find(text, sentences(text))
    assert [m.company for m in found] == ["Microsoft"] * 3
    assert [text[m.start : m.end] for m in found] == ["Microsoft Corp.", "Microsoft", "Microsoft"]


def test_unknown_company_short_form_joins_the_full_name(finder: CompanyFinder) -> None:
    text = "Halberd Freight Ltd said the new tariffs would cost it £40 million. Halberd's shares fell 4%."
    found = finder.find(text, sentences(text))
    assert {m.company for m in found} == {"Halberd Freight"}
    assert [text[m.start : m.end] for m in found] == ["Halberd Freight Ltd", "Halberd"]


def test_invented_company_with_business_word_is_found(finder: CompanyFinder) -> None:
    text = "Corvane Systems, a Denver-based maker of warehouse robots, said it would not sell drones to the Army."
    assert companies(finder, text) == {"Corvane Systems"}


@pytest.mark.parametrize(
    "text",
    [
        "The Federal Trade Commission and the Department of Justice opened an inquiry, Congress was told.",
        "The United Auto Workers said the strike would continue, and the ACLU filed a brief.",
        "Elon Musk met Henry Ford's great-grandson at Stanford University on Friday.",
        "The new iPhone and Windows 11 went on sale in Brussels.",
        "Amazon rainforest fires rose by a third in August, Brazil's space research institute said.",
        "Starbucks Workers United said baristas would strike on Thursday.",
        "",
        "Nothing here names a business at all.",
    ],
)
def test_non_businesses_are_not_reported(finder: CompanyFinder, text: str) -> None:
    assert companies(finder, text) == set()


def test_mentions_slice_back_and_are_sorted(finder: CompanyFinder) -> None:
    spans = sentences(FACE_ARTICLE)
    found = finder.find(FACE_ARTICLE, spans)
    assert found == sorted(found, key=lambda m: m.start)
    for m in found:
        written = FACE_ARTICLE[m.start : m.end]
        assert written and written == written.strip()
        start, end = spans[m.sentence]
        assert start <= m.start and m.end <= end
        if m.kind == "name":
            assert company_key(written) == company_key(m.company) or written in ("Microsoft", "Amazon", "IBM")


# -- given companies and aliases -----------------------------------------------------------------


def test_companies_finds_a_name_ner_misses_and_restricts(finder: CompanyFinder) -> None:
    text = "Dataquill sells consumer profiles to marketers. Analysts at Jefferies and Microsoft's lawyers disagreed."
    assert "Dataquill" not in companies(finder, text)  # NER alone misses it
    found = finder.find(text, sentences(text), companies=["Dataquill", "Microsoft Corp."])
    assert [(m.company, text[m.start : m.end]) for m in found] == [
        ("Dataquill", "Dataquill"),
        ("Microsoft Corp.", "Microsoft"),
    ]


def test_companies_match_variants_suffixes_and_all_caps(finder: CompanyFinder) -> None:
    text = "HALBERD FREIGHT CUTS JOBS. Halberd Freight Ltd said on Monday that Halberd Freight's costs rose."
    found = finder.find(text, sentences(text), companies=["Halberd Freight"])
    assert [text[m.start : m.end] for m in found] == ["HALBERD FREIGHT", "Halberd Freight Ltd", "Halberd Freight"]
    assert {m.kind for m in found} == {"name"}


def test_aliases_apply_with_and_without_companies(finder: CompanyFinder) -> None:
    text = "Microsoft said it would wait for a law. The Redmond company has about 200,000 employees."
    aliases = {"Microsoft": ["the Redmond company"]}
    for kwargs in ({}, {"companies": ["Microsoft"]}):
        found = finder.find(text, sentences(text), aliases=aliases, **kwargs)
        assert [(m.company, m.kind, text[m.start : m.end]) for m in found] == [
            ("Microsoft", "name", "Microsoft"),
            ("Microsoft", "alias", "The Redmond company"),
        ]


def test_known_aliases_map_to_the_canonical_name(finder: CompanyFinder) -> None:
    text = "Facebook's parent Meta Platforms Inc. said it would stop political ads."
    assert companies(finder, text) == {"Meta"}


# -- references -----------------------------------------------------------------------------------


def test_the_company_and_it_refer_to_the_one_company_just_named(finder: CompanyFinder) -> None:
    text = (
        "Kestrel Motors posted a quarterly loss. The automaker blamed higher battery costs. "
        "It said prices would come down. Regulators in Ohio were not convinced."
    )
    found = finder.find(text, sentences(text))
    assert [(m.kind, text[m.start : m.end], m.sentence) for m in found] == [
        ("name", "Kestrel Motors", 0),
        ("reference", "The automaker", 1),
        ("reference", "It", 2),
    ]
    assert {m.company for m in found} == {"Kestrel Motors"}


def test_no_reference_after_two_companies_or_in_a_naming_sentence(finder: CompanyFinder) -> None:
    text = "Apple and Google met regulators. The company said nothing. Microsoft said the company would wait."
    kinds = [m.kind for m in finder.find(text, sentences(text))]
    assert "reference" not in kinds


# -- streaming, odd input, errors -------------------------------------------------------------------


def test_find_many_streams_in_order_and_matches_find(finder: CompanyFinder) -> None:
    texts = [FACE_ARTICLE, "", "Shell and BP reported record profits.", "IBM left."]
    items = ((t, sentences(t)) for t in texts)
    assert list(finder.find_many(items)) == [finder.find(t, sentences(t)) for t in texts]


def test_empty_sentence_list_means_one_sentence(finder: CompanyFinder) -> None:
    assert finder.find("Apple declined to comment.", []) == [Mention("Apple", 0, 5, 0, "name")]


@pytest.mark.parametrize(
    "text",
    [
        "Microsoft 🚀🚀 said 👍 Amazon\u200b Inc. would pause sales.",
        "\u202eMicrosoft\u202c قالت شركة أمازون إنها ستوقف المبيعات. Microsoft said so.",
        "\x00\x01\x02 IBM \x7f\u0085 left\ufeff the business \u2028 today.",
        "\u200b\u200c\u200d",
        "    \n\n\t  ",
    ],
)
def test_odd_unicode_does_not_crash(finder: CompanyFinder, text: str) -> None:
    for m in finder.find(text, [(0, len(text))]):
        assert 0 <= m.start < m.end <= len(text)
    finder.find(text, [(0, len(text))], companies=["Microsoft"], aliases={"Microsoft": ["\u200b"]})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
            st.sampled_from([" ", ".", ", ", "'s", "’", "\n", " - ", "&", "Inc.", "Microsoft", "The company",
                             "It ", "Corp", "\u200b", "Acme", " Systems", "\u202e", "🚀", "Mr."]),
        ),
        max_size=40,
    ).map("".join)
)
def test_random_text_never_raises(finder: CompanyFinder, text: str) -> None:
    spans = sentences(text)
    for m in finder.find(text, spans):
        assert 0 <= m.start < m.end <= len(text) and 0 <= m.sentence < len(spans)
    for m in finder.find(text, spans, companies=["Microsoft", "Acme Corp."], aliases={"Acme Corp.": ["the firm"]}):
        assert 0 <= m.start < m.end <= len(text)


def test_bad_input_is_reported_with_values(finder: CompanyFinder) -> None:
    with pytest.raises(ValueError, match=r"sentences\[0\] = \(0, 99\) is outside the text"):
        finder.find("IBM left.", [(0, 99)])
    with pytest.raises(TypeError, match="did you mean"):
        finder.find("IBM left.", [(0, 9)], companies="IBM")
    with pytest.raises(TypeError, match="text must be a str"):
        finder.find(None, [])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        CompanyFinder(batch_size=0)


def test_constructor_only_stores_settings() -> None:
    finder = CompanyFinder(batch_size=4)
    assert finder._nlp is None and finder.batch_size == 4


def test_ner_runs_with_only_the_components_it_needs(finder: CompanyFinder) -> None:
    finder.find("IBM left.", [(0, 9)])
    assert finder._load_nlp().pipe_names == ["ner"]
