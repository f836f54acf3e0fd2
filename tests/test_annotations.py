"""Reading and validating annotation files: every problem reported with its path:line, nothing lost silently."""

from __future__ import annotations

import json

import pytest

from stance.annotations import read_annotations
from stance.errors import AnnotationError

GOOD = {"id": "a1", "topic": "t", "text": "Acme will not sell it. Borlan will.",
        "positions": {"Acme": "against", "Borlan": "favor"},
        "sentences": [{"text": "Acme will not sell it.", "company": "Acme", "label": "against"},
                      {"text": "Borlan will.", "company": "Borlan", "label": "favor"}]}


def write(tmp_path, lines, name="a.jsonl"):
    path = tmp_path / name
    path.write_bytes(b"".join((json.dumps(x).encode() if not isinstance(x, bytes) else x) + b"\n" for x in lines))
    return path


def test_reads_articles_with_offsets_and_mentions(tmp_path):
    ann = read_annotations(write(tmp_path, [GOOD]))
    (art,) = ann.articles
    assert art.positions == {"Acme": "against", "Borlan": "favor"}
    s = art.sentences[1]
    assert art.text[s.start:s.end] == "Borlan will."
    assert s.text[s.mention[0]:s.mention[1]] == "Borlan"
    assert ann.labels == ("against", "favor", "neutral")


def test_a_dozen_mistakes_are_all_reported_with_path_and_line(tmp_path):
    bad = [
        GOOD,                                                                           # 1 fine
        {"text": "No id here.", "positions": {}},                                       # 2 missing id
        {"id": "a3", "positions": {"Acme": "favor"}},                                   # 3 missing text
        {**GOOD, "id": "a4", "positions": {"Acme": "pro"}},                             # 4 unknown label
        {**GOOD, "id": "a5", "sentences": [{"text": "Not in the text.", "company": "Acme", "label": "favor"}]},
        {**GOOD, "id": "a6", "sentences": [{"text": "Borlan will.", "company": "Acme", "label": "favor"}]},
        {**GOOD, "id": "a7", "sentences": [GOOD["sentences"][0], {**GOOD["sentences"][0], "label": "favor"}]},
        {**GOOD, "text": GOOD["text"] + " Extra."},                                     # 8 duplicate id
        b'{"id": "a9", "text": "caf\xe9"}',                                             # 9 not UTF-8
        b'{"id": "a10", "text": ',                                                      # 10 bad JSON
        ["not", "an", "object"],                                                        # 11 not an object
        {"id": "a12", "text": "Acme.", "sentence": []},                                 # 12 unknown key + nothing
        {"id": "a13", "text": "Acme sells."},                                           # 13 no labels at all
    ]
    path = write(tmp_path, bad)
    with pytest.raises(AnnotationError) as info:
        read_annotations(path)
    problems = info.value.problems
    for line, words in [(2, "missing 'id'"), (3, "missing 'text'"), (4, "'pro' is not one of"),
                        (5, "not found in the article text"), (6, "does not mention 'Acme'"),
                        (7, "conflicting labels"), (8, "duplicate article id"), (9, "not valid UTF-8"),
                        (10, "not valid JSON"), (11, "expected a JSON object"), (12, "unknown key"),
                        (13, "neither 'sentences' nor 'positions'")]:
        assert any(p.startswith(f"{path}:{line}:") and words in p for p in problems), (line, words, problems)
    assert str(path) + ":1:" not in str(info.value)
    assert len(problems) >= 12


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    with pytest.raises(AnnotationError, match="empty"):
        read_annotations(path)


def test_exact_duplicates_are_dropped_and_counted(tmp_path):
    dup_sentence = {**GOOD, "sentences": GOOD["sentences"] + [GOOD["sentences"][0]]}
    ann = read_annotations(write(tmp_path, [dup_sentence, dup_sentence]))
    assert len(ann.articles) == 1
    assert len(ann.articles[0].sentences) == 2
    assert ann.duplicates_dropped == 2  # the repeated line, and the repeated sentence label


def test_the_same_article_in_two_files_merges(tmp_path):
    one = {**GOOD, "sentences": GOOD["sentences"][:1]}
    two = {**GOOD, "sentences": GOOD["sentences"][1:], "positions": {"Borlan": "favor"}}
    ann = read_annotations([write(tmp_path, [one], "1.jsonl"), write(tmp_path, [two], "2.jsonl")])
    assert len(ann.articles) == 1 and len(ann.articles[0].sentences) == 2


def test_mention_and_alias_count_as_mentions(tmp_path):
    art = {"id": "a", "text": "Acme Corp. refused. The company said no.", "aliases": {"Acme": ["Acme Corp."]},
           "sentences": [{"text": "The company said no.", "company": "Acme", "label": "against",
                          "mention": "The company"}]}
    (a,) = read_annotations(write(tmp_path, [art])).articles
    assert a.sentences[0].mention == (0, 11)


def test_flat_csv_and_its_errors(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("article_id,sentence,company,label,topic\n"
                    "x1,Acme backs the tax.,Acme,favor,tax\n"
                    "x1,Borlan fights the tax.,Borlan,against,tax\n"
                    "x2,Cortexa said nothing.,Cortexa,maybe,tax\n"
                    "x3,,Delvin,favor,tax\n")
    with pytest.raises(AnnotationError) as info:
        read_annotations(path)
    assert any(p.startswith(f"{path}:4:") and "'maybe'" in p for p in info.value.problems)
    assert any(p.startswith(f"{path}:5:") and "sentence" in p for p in info.value.problems)
    path.write_text("article_id,sentence,company,label\nx1,Acme backs the tax.,Acme,FAVOR\n"
                    "x1,Borlan fights it.,Borlan,against\n")
    (a,) = read_annotations(path).articles
    assert [s.label for s in a.sentences] == ["favor", "against"]
    assert a.text[a.sentences[1].start:a.sentences[1].end] == "Borlan fights it."


def test_flat_csv_missing_column(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("article_id,text,company,label\nx,Acme.,Acme,favor\n")
    with pytest.raises(AnnotationError, match=r"flat.csv:1: missing column\(s\) \['sentence'\]"):
        read_annotations(path)


def test_user_label_set(tmp_path):
    art = {"id": "a", "text": "Acme backs it.", "sentences": [{"text": "Acme backs it.", "company": "Acme",
                                                                "label": "Support"}]}
    ann = read_annotations(write(tmp_path, [art]), labels=["support", "oppose"])
    assert ann.labels == ("oppose", "support") and ann.articles[0].sentences[0].label == "support"


def test_directories_and_missing_paths(tmp_path):
    write(tmp_path, [GOOD], "x.jsonl")
    (tmp_path / "notes.txt").write_text("ignored")
    assert len(read_annotations(tmp_path).articles) == 1
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_annotations(tmp_path / "missing.jsonl")


def test_a_sentence_inside_another_is_its_own_label(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text('article_id,sentence,company,label\na1,"Acme will sell the tool, Beta said.",Acme,favor\n'
                    "a1,Acme will sell the tool,Acme,favor\n")
    ann = read_annotations(path)
    assert len(ann.articles[0].sentences) == 2 and ann.duplicates_dropped == 0


def test_extra_csv_cells_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_bytes(b"\xef\xbb\xbfarticle_id,sentence,company,label\nx,Acme backs it,Acme,favor\n"
                     b"y,Acme, Corp backs it,Acme,favor\n")
    with pytest.raises(AnnotationError) as info:
        read_annotations(path)
    assert info.value.problems == [f"{path}:3: 1 more cell(s) than the header's 4 columns (an unquoted comma in "
                                   "the sentence?)"]


def test_same_id_with_another_topic_is_a_conflict(tmp_path):
    with pytest.raises(AnnotationError, match="topic/title"):
        read_annotations(write(tmp_path, [GOOD, {**GOOD, "topic": "another", "sentences": GOOD["sentences"][:1]}]))
