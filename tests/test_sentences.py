"""Tests of stance.sentences: news-text cases and the span invariants over arbitrary text."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stance.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def check_invariants(text: str) -> list[tuple[int, int]]:
    spans = split_sentences(text)
    assert isinstance(spans, list)
    covered = [0] * len(text)
    prev_end = 0
    for span in spans:
        assert isinstance(span, tuple) and len(span) == 2
        start, end = span
        assert isinstance(start, int) and isinstance(end, int)
        assert 0 <= prev_end <= start < end <= len(text), (spans, text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert text[start:end] == text[start:end].strip()
        for i in range(start, end):
            covered[i] += 1
        prev_end = end
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert covered[i] == 1, f"character {i} ({ch!r}) is in no span"
    return spans


# --- news text, one case per rule -------------------------------------------------------------------------

def test_empty_and_whitespace():
    assert split_sentences("") == []
    assert split_sentences("   \n\t \u2029 ") == []
    assert sentences("  One sentence.  ") == ["One sentence."]


def test_spans_point_into_the_original_text():
    text = "  Microsoft said no.\n\n  Amazon agreed. "
    spans = split_sentences(text)
    assert spans == [(2, 20), (24, 38)]
    assert [text[s:e] for s, e in spans] == ["Microsoft said no.", "Amazon agreed."]


def test_titles_and_company_abbreviations():
    text = ("Mr. Smith, the president of Microsoft Corp., met Dr. Jane Roe on Thursday. "
            "Acme Inc. said it would stop selling the software to police. "
            "Sen. Ron Wyden and Rep. Pramila Jayapal wrote to Amazon.com Inc. and Acme Co. Ltd. last year.")
    assert sentences(text) == [
        "Mr. Smith, the president of Microsoft Corp., met Dr. Jane Roe on Thursday.",
        "Acme Inc. said it would stop selling the software to police.",
        "Sen. Ron Wyden and Rep. Pramila Jayapal wrote to Amazon.com Inc. and Acme Co. Ltd. last year.",
    ]


def test_abbreviation_at_the_end_of_a_sentence():
    text = ("The contract went to a unit of Acme Inc. The company said the system would be ready in May. "
            "Acme Inc. said the deal was worth $40 million. Analysts cited Beta Corp. But Beta declined to comment. "
            "Profit rose in the U.S. It fell in the U.K. In Europe, sales were flat.")
    assert sentences(text) == [
        "The contract went to a unit of Acme Inc.",
        "The company said the system would be ready in May.",
        "Acme Inc. said the deal was worth $40 million.",
        "Analysts cited Beta Corp.",
        "But Beta declined to comment.",
        "Profit rose in the U.S.",
        "It fell in the U.K.",
        "In Europe, sales were flat.",
    ]


def test_dotted_acronyms_and_abbreviations_inside_sentences():
    text = ("The U.S. Federal Trade Commission and U.K. regulators, e.g. the CMA, met at 9 a.m. Eastern time "
            "on Jan. 12 at 1 St. James's Square. Apple Inc. vs. Samsung Electronics Co. was settled. "
            "The filing, No. 3 on the docket, was approved at 5 p.m. The judge did not comment.")
    assert sentences(text) == [
        "The U.S. Federal Trade Commission and U.K. regulators, e.g. the CMA, met at 9 a.m. Eastern time "
        "on Jan. 12 at 1 St. James's Square.",
        "Apple Inc. vs. Samsung Electronics Co. was settled.",
        "The filing, No. 3 on the docket, was approved at 5 p.m.",
        "The judge did not comment.",
    ]


def test_initials():
    text = ("John F. Kennedy International Airport will use the scanners. "
            "George W. Bush and J. P. Morgan were mentioned by A. Smith of the union.")
    assert sentences(text) == [
        "John F. Kennedy International Airport will use the scanners.",
        "George W. Bush and J. P. Morgan were mentioned by A. Smith of the union.",
    ]


def test_decimals_amounts_and_percentages():
    text = ("Revenue rose 2.4% to $3.5 billion in the quarter. Shares closed at $101.25, up 0.7 percent. "
            "The company, valued at 1.2 trillion euros, paid 3.50 a share.")
    assert sentences(text) == [
        "Revenue rose 2.4% to $3.5 billion in the quarter.",
        "Shares closed at $101.25, up 0.7 percent.",
        "The company, valued at 1.2 trillion euros, paid 3.50 a share.",
    ]


def test_ellipses():
    text = ("The chief executive paused... and then said the company would wait. "
            "We will see… The board has not decided. It was, he said, . . . complicated. . . "
            "Nobody else commented.")
    assert sentences(text) == [
        "The chief executive paused... and then said the company would wait.",
        "We will see…",
        "The board has not decided.",
        "It was, he said, . . . complicated. . .",
        "Nobody else commented.",
    ]


def test_quotations():
    text = ('"We won\'t sell this technology to police," she said. '
            'Smith said: "We will not do it." The company later confirmed the decision. '
            '"Will we change course?" she asked. "No." '
            '“Why now?” Smith asked. “Because the law is not there yet,” he said. '
            "Critics called it 'a stunt.' Amazon did not respond.")
    assert sentences(text) == [
        '"We won\'t sell this technology to police," she said.',
        'Smith said: "We will not do it."',
        "The company later confirmed the decision.",
        '"Will we change course?" she asked.',
        '"No."',
        "“Why now?” Smith asked.",
        "“Because the law is not there yet,” he said.",
        "Critics called it 'a stunt.'",
        "Amazon did not respond.",
    ]


def test_parentheses():
    text = ("Microsoft (MSFT.O) and Acme (formerly Acme Corp.) said they would pause sales. "
            "(The company declined to comment.) The ban, which covers police in Redmond, Wash. (and elsewhere), "
            "starts now. Shares fell (see chart on p. 3). Reporting by Jane Doe.")
    assert sentences(text) == [
        "Microsoft (MSFT.O) and Acme (formerly Acme Corp.) said they would pause sales.",
        "(The company declined to comment.)",
        "The ban, which covers police in Redmond, Wash. (and elsewhere), starts now.",
        "Shares fell (see chart on p. 3).",
        "Reporting by Jane Doe.",
    ]


def test_headline_byline_and_dateline():
    text = ("Microsoft won't sell face recognition to police\n"
            "By Jane Doe\n"
            "June 11, 2020\n"
            "\n"
            "SEATTLE (Reuters) - Microsoft Corp. will not sell facial recognition technology to police "
            "departments until a national law is in place. Its president said so on Thursday.\n")
    assert sentences(text) == [
        "Microsoft won't sell face recognition to police",
        "By Jane Doe",
        "June 11, 2020",
        "SEATTLE (Reuters) - Microsoft Corp. will not sell facial recognition technology to police "
        "departments until a national law is in place.",
        "Its president said so on Thursday.",
    ]


def test_hard_wrapped_lines_are_joined():
    text = ("Microsoft President Brad Smith said on Thursday that the company\n"
            "will not sell facial recognition to police departments in the\n"
            "United States until a national law is in place, and that it\n"
            "Would push for one. The company has been\n"
            "lobbying since 2018.\n")
    assert sentences(text) == [
        "Microsoft President Brad Smith said on Thursday that the company\n"
        "will not sell facial recognition to police departments in the\n"
        "United States until a national law is in place, and that it\n"
        "Would push for one.",
        "The company has been\nlobbying since 2018.",
    ]


def test_bullet_lists():
    text = ("What the companies said:\n"
            "- Microsoft will not sell the technology to police.\n"
            "- Amazon paused sales for a year\n"
            "* IBM exited the business entirely\n"
            "• Google said it had never offered a general-purpose product\n"
            "1. Axon will not use face recognition on body cameras. Its ethics board agreed.\n"
            "2) Clearview AI kept selling\n"
            "  to police in many countries\n"
            "The list is not complete.\n")
    assert sentences(text) == [
        "What the companies said:",
        "- Microsoft will not sell the technology to police.",
        "- Amazon paused sales for a year",
        "* IBM exited the business entirely",
        "• Google said it had never offered a general-purpose product",
        "1. Axon will not use face recognition on body cameras.",
        "Its ethics board agreed.",
        "2) Clearview AI kept selling\n  to police in many countries",
        "The list is not complete.",
    ]


def test_paragraphs():
    text = ("Amazon said it would pause police use of Rekognition for a year\n\n"
            "IBM said it would exit the business.\r\n\r\n"
            "   \n"
            "Microsoft said it had never sold the technology to police.\u2029\u2029Clearview did not comment")
    assert sentences(text) == [
        "Amazon said it would pause police use of Rekognition for a year",
        "IBM said it would exit the business.",
        "Microsoft said it had never sold the technology to police.",
        "Clearview did not comment",
    ]


def test_exclamations_and_questions():
    text = "Is this the end? Not yet! The company said it would appeal?! Observers were surprised."
    assert sentences(text) == [
        "Is this the end?", "Not yet!", "The company said it would appeal?!", "Observers were surprised.",
    ]


def test_a_full_news_article():
    text = ("IBM gets out of facial recognition business\n"
            "\n"
            "NEW YORK (AP) — IBM Corp. said Monday it will no longer offer general-purpose facial recognition "
            "software. Chief Executive Arvind Krishna wrote to Sen. Cory Booker and other members of Congress. "
            "\"IBM firmly opposes and will not condone uses of any technology,\" he wrote, \"for mass "
            "surveillance.\" The move comes as Amazon.com Inc. faces pressure over Rekognition, which it sells "
            "to U.S. police departments. Amazon did not respond to a request for comment.\n")
    got = sentences(text)
    assert got == [
        "IBM gets out of facial recognition business",
        "NEW YORK (AP) — IBM Corp. said Monday it will no longer offer general-purpose facial recognition "
        "software.",
        "Chief Executive Arvind Krishna wrote to Sen. Cory Booker and other members of Congress.",
        "\"IBM firmly opposes and will not condone uses of any technology,\" he wrote, \"for mass "
        "surveillance.\"",
        "The move comes as Amazon.com Inc. faces pressure over Rekognition, which it sells "
        "to U.S. police departments.",
        "Amazon did not respond to a request for comment.",
    ]
    check_invariants(text)


def test_odd_characters_stay_in_sentences():
    text = "Microsoft 🎉 said no.\u200b Amazon\u200d agreed. مايكروسوفت قالت لا. \x00\x07 End."
    spans = check_invariants(text)
    assert len(spans) >= 3


def test_non_str_input_is_rejected_quietly():
    assert split_sentences(None) == []  # type: ignore[arg-type]


def test_a_megabyte_is_fast():
    paragraph = ("SEATTLE (Reuters) - Microsoft Corp. said on Thursday it would not sell facial recognition to "
                 "U.S. police. Mr. Smith said revenue rose 2.4% to $3.5 billion at Acme Inc. \"We won't,\" she "
                 "said.\n- A bullet item\nA headline without a stop\n\n")
    text = paragraph * (1_000_000 // len(paragraph) + 1)
    start = time.perf_counter()
    spans = split_sentences(text)
    elapsed = time.perf_counter() - start
    assert len(spans) == 5 * (1_000_000 // len(paragraph) + 1)
    assert [text[s:e] for s, e in spans[:5]] == [
        "SEATTLE (Reuters) - Microsoft Corp. said on Thursday it would not sell facial recognition to U.S. police.",
        "Mr. Smith said revenue rose 2.4% to $3.5 billion at Acme Inc.",
        "\"We won't,\" she said.",
        "- A bullet item",
        "A headline without a stop",
    ]
    assert elapsed < 1.0, f"1 MB took {elapsed:.2f}s"


@pytest.mark.parametrize("text", [
    ". " * 2000, "a." * 2000, "\n" * 2000, "A\n" * 2000, "1. " * 2000, "- \n" * 500, "\r\n\r" * 500,
    "Mr. " * 500, "U.S. " * 500, '"?" ' * 500, "…" * 500, "\u2028\u2029\x1c\x85" * 100,
])
def test_degenerate_inputs(text):
    check_invariants(text)


# --- invariants over arbitrary text -----------------------------------------------------------------------

ODD = [
    " ", "\t", "\n", "\r", "\r\n", "\v", "\f", "\x00", "\x07", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0",
    "\u2000", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029", "\u202e", "\u2066", "\u3000",
    "\ufeff", "\ud800", "😀", "👩‍👩‍👧", "🇺🇸", "e\u0301", "שלום", "مرحبا", "中文", ".", "!", "?", "…", ". . .",
    '"', "'", "“", "”", "‘", "’", "(", ")", "[", "]", "- ", "* ", "• ", "1. ", "2) ", "Mr.", "Inc.", "U.S.",
    "e.g.", "F.", "The", "the", "Acme", "said", "$3.5", "2.4%", ",", ";", ":", "—",
]

news_like = st.lists(st.sampled_from(ODD) | st.text(max_size=8), max_size=60).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_invariants_arbitrary_text(text):
    check_invariants(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(news_like)
def test_invariants_news_like_text(text):
    check_invariants(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cs", "So", "Po"]),
               max_size=200))
def test_invariants_control_and_format_characters(text):
    check_invariants(text)
