"""stance.classify on whole articles: companies, positions, evidence offsets, odd input (tiny model)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stance
from stance import ArticleResult, StanceModel

from .conftest import FACIAL


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    return StanceModel.from_pretrained(tiny_model_dir)


def test_facial_recognition_article_reports_exactly_the_businesses(model):
    text = FACIAL.read_text()
    result = stance.classify(text, model=model, topic="selling facial recognition technology to police")
    companies = [p.company for p in result.positions]
    assert companies == ["Microsoft", "The Washington Post", "Amazon", "IBM"]
    for p in result.positions:
        assert p.label in model.labels and 0 <= p.score <= 1
        assert set(p.probs) == set(model.labels) and abs(sum(p.probs.values()) - 1) < 1e-3
        assert p.evidence and p.mentions >= 1
        for ev in p.evidence:
            assert text[ev.start:ev.end] == ev.text
        strength = [ev.probs[p.label] for ev in p.evidence]
        assert strength == sorted(strength, reverse=True)
    # "Its chief executive" after the IBM sentence... and "The online retailer" refer to the companies named before
    assert result["Amazon"].mentions >= 2


def test_companies_argument_restricts_and_names(model):
    text = "Acme Widgets said it would keep selling the tool. The Seattle Police Department bought it."
    result = stance.classify(text, model=model, companies=["Acme Widgets", "Nobody Inc"])
    assert [p.company for p in result.positions] == ["Acme Widgets"]


def test_result_round_trips_through_json(model):
    result = stance.classify(FACIAL.read_text(), model=model)
    again = ArticleResult.from_json(result.to_json())
    assert again == result
    assert json.loads(result.to_json())["positions"][0]["evidence"][0]["start"] >= 0


def test_model_classify_and_classify_many_agree(model):
    texts = [FACIAL.read_text(), "", "Nothing here names a business.", "Acme Corp. backs the plan."]
    many = list(stance.classify_many(texts, model=model, progress=False))
    assert len(many) == 4
    assert many[0] == model.classify(FACIAL.read_text())
    assert many[1].positions == () and many[2].positions == ()


def test_empty_and_whitespace_give_empty_results(model):
    assert stance.classify("", model=model).positions == ()
    assert stance.classify(" \n\t ", model=model).positions == ()


def test_non_string_is_a_type_error(model):
    for bad in (None, 42, b"bytes", ["a list"]):
        with pytest.raises(TypeError, match="expected the article text as a str"):
            stance.classify(bad, model=model)


def test_classify_many_streams_iterators_in_order(model):
    def gen():
        for i in range(5):
            yield {"text": f"Acme Corp. backs plan number {i}.", "id": f"doc{i}"}

    ids = [r.id for r in stance.classify_many(gen(), model=model, chunk_size=2, progress=False)]
    assert ids == [f"doc{i}" for i in range(5)]


def test_missing_default_model_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv("STANCE_MODEL", str(tmp_path / "none"))
    with pytest.raises(stance.ModelFormatError, match="make model"):
        stance.classify("Acme Corp. backs it.")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
       | st.from_regex(r"(Acme Corp\.|It|The company|\u200b|\u202e|\x00|😀| |\n|said|backs)*", fullmatch=True))
def test_fuzzed_text_never_crashes(model, text):
    result = stance.classify(text, model=model)
    for p in result.positions:
        for ev in p.evidence:
            assert text[ev.start:ev.end] == ev.text


@pytest.mark.slow
def test_a_one_megabyte_article_finishes_with_bounded_memory(model):
    import resource

    paragraph = FACIAL.read_text() + "\n\n"
    text = paragraph * (1_000_000 // len(paragraph) + 1)
    result = stance.classify(text, model=model)
    n_sentences = len(stance.split_sentences(text))
    assert n_sentences > 5000
    assert {p.company for p in result.positions} >= {"Microsoft", "Amazon", "IBM"}
    assert sum(len(p.evidence) for p in result.positions) >= n_sentences // 3  # no sentence silently dropped
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 2048, peak_mb
