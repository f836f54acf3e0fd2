"""Tests of benchmarks.adapters.

Counts are checked against the public data sets in the data directory (``$STANCE_DATA_DIR`` or
``../shared/data``) and the counts their SOURCE.md files state; those tests skip when the data is not there.
Error handling is checked on small made-up files written to a temporary folder (no data set content).
"""

from __future__ import annotations

import json
import re
import logging
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import adapters
from benchmarks.adapters import DATASETS, FOLDERS, SPLITS, default_data_dir, in_dev, label_counts, load

LABELS = {
    "semeval2016_a": {"favor", "against", "none"},
    "pstance": {"favor", "against"},
    "newsmtsc_rw": {"negative", "neutral", "positive"},
    "newsmtsc_mt": {"negative", "neutral", "positive"},
    "ibm_claim_stance": {"pro", "con"},
}

# Counts per split and label as each data set's SOURCE.md states them. For a data set without an official
# dev split, "train" is the SOURCE.md training count, which the adapter divides between train and dev.
SOURCE_COUNTS = {
    "semeval2016_a": {  # training data + trial data; test = task A
        "train": {"against": 1342 + 53, "favor": 731 + 22, "none": 741 + 25},
        "test": {"against": 715, "favor": 304, "none": 230},
    },
    "pstance": {  # Trump + Biden + Sanders
        "train": {"against": 3425 + 3254 + 2198, "favor": 2937 + 2552 + 2858},
        "dev": {"against": 440 + 417 + 284, "favor": 374 + 328 + 350},
        "test": {"against": 425 + 408 + 292, "favor": 352 + 337 + 343},
    },
    "newsmtsc_rw": {
        "train": {"negative": 3316, "neutral": 3028, "positive": 2395},
        "dev": {"negative": 134, "neutral": 136, "positive": 73},
        "test": {"negative": 295, "neutral": 319, "positive": 189},
    },
    "newsmtsc_mt": {
        "train": {"negative": 3316, "neutral": 3028, "positive": 2395},
        "dev": {"negative": 136, "neutral": 217, "positive": 89},
        "test": {"negative": 346, "neutral": 531, "positive": 157},
    },
    "ibm_claim_stance": {
        "train": {"pro": 625, "con": 414},
        "test": {"pro": 700, "con": 655},
    },
}
CARVED = {"semeval2016_a", "ibm_claim_stance"}

# The dev split carved by hash (deterministic; computed once, sums checked against SOURCE_COUNTS above).
CARVED_DEV = {
    "semeval2016_a": {"against": 137, "favor": 80, "none": 75},
    "ibm_claim_stance": {"pro": 57, "con": 38},
}


def data_folder(name: str) -> Path:
    folder = default_data_dir() / FOLDERS[name]
    if not folder.is_dir():
        pytest.skip(f"data set {name} not available: {folder} is missing (set STANCE_DATA_DIR to the folder of "
                    f"the public data sets)")
    return folder


_cache: dict[str, dict[str, list[dict]]] = {}


def loaded(name: str) -> dict[str, list[dict]]:
    data_folder(name)
    if name not in _cache:
        _cache[name] = load(name)
    return _cache[name]


def check_records(name: str, data: dict[str, list[dict]]) -> None:
    assert list(data) == list(SPLITS)
    for split, records in data.items():
        ids = [r["article_id"] for r in records]
        assert len(ids) == len(set(ids)), f"{name} {split}: article ids are not unique"
        for r in records:
            assert set(r) - {"mention"} == {"article_id", "sentence", "company", "label", "topic"}, r
            assert all(isinstance(v, str) for v in r.values()), r
            assert r["article_id"] and r["sentence"] and r["company"], r
            assert r["sentence"] == r["sentence"].strip()
            if not name.startswith("newsmtsc"):  # NewsMTSC keeps its sentences verbatim, line breaks and all
                assert "\n" not in r["sentence"] and "\r" not in r["sentence"]
            assert r["label"] in LABELS[name], r
            if name.startswith("newsmtsc"):
                assert r["topic"] == "" and r["mention"] == r["company"] and r["mention"] in r["sentence"], r
            else:
                assert r["topic"] == r["company"] and "mention" not in r, r


# --- counts against SOURCE.md ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_counts_match_source(name):
    data = loaded(name)
    counts = {split: dict(c) for split, c in label_counts(data).items()}
    expected = SOURCE_COUNTS[name]
    if name in CARVED:
        pooled = Counter(counts["train"]) + Counter(counts["dev"])
        assert dict(pooled) == expected["train"]
        assert counts["dev"] == CARVED_DEV[name]
        fraction = len(data["dev"]) / (len(data["train"]) + len(data["dev"]))
        assert 0.07 < fraction < 0.13, fraction
        assert all(in_dev(r["article_id"]) for r in data["dev"])
        assert not any(in_dev(r["article_id"]) for r in data["train"])
    else:
        assert counts["train"] == expected["train"]
        assert counts["dev"] == expected["dev"]
    assert counts["test"] == expected["test"]


@pytest.mark.parametrize("name", DATASETS)
def test_records_are_well_formed(name):
    check_records(name, loaded(name))


def test_semeval_targets():
    data = loaded("semeval2016_a")
    train = Counter(r["topic"] for r in data["train"] + data["dev"])
    test = Counter(r["topic"] for r in data["test"])
    assert train == {"Atheism": 513, "Climate Change is a Real Concern": 395, "Feminist Movement": 664,
                     "Hillary Clinton": 639 + 50, "Legalization of Abortion": 603 + 50}
    assert test == {"Atheism": 220, "Climate Change is a Real Concern": 169, "Feminist Movement": 285,
                    "Hillary Clinton": 295, "Legalization of Abortion": 280}
    assert "Donald Trump" not in train and "Donald Trump" not in test


def test_semeval_non_utf8_bytes_are_decoded():
    data = loaded("semeval2016_a")
    texts = [r["sentence"] for split in SPLITS for r in data[split]]
    assert not any("\ufffd" in t for t in texts)
    assert all(t.endswith("#SemST") for t in texts)


def test_pstance_targets():
    data = loaded("pstance")
    expected = {"train": {"Donald Trump": 6362, "Joe Biden": 5806, "Bernie Sanders": 5056},
                "dev": {"Donald Trump": 814, "Joe Biden": 745, "Bernie Sanders": 634},
                "test": {"Donald Trump": 777, "Joe Biden": 745, "Bernie Sanders": 635}}
    for split in SPLITS:
        assert Counter(r["topic"] for r in data[split]) == expected[split]
        assert data[split][0]["article_id"] == f"pstance-{split}-1"


def test_newsmtsc_train_is_shared_and_ids_are_targets():
    rw, mt = loaded("newsmtsc_rw"), loaded("newsmtsc_mt")
    assert rw["train"] == mt["train"]
    # one record per target: 7,758 training sentences hold 8,739 targets (a few sentences occur twice)
    assert len({r["sentence"] for r in rw["train"]}) < 7758 < len(rw["train"])
    assert len({r["sentence"] for r in rw["dev"]}) == 320 and len({r["sentence"] for r in rw["test"]}) == 747
    assert len({r["sentence"] for r in mt["dev"]}) == 216 and len({r["sentence"] for r in mt["test"]}) == 505


def test_ibm_topics():
    data = loaded("ibm_claim_stance")
    train_topics = {r["topic"] for r in data["train"] + data["dev"]}
    test_topics = {r["topic"] for r in data["test"]}
    assert len(train_topics) == 25 and len(test_topics) == 30
    assert not train_topics & test_topics
    assert all(r["topic"].startswith("This house") for r in data["test"][:50])


# --- limit= smoke tests ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_limit_smoke(name):
    data_folder(name)
    start = time.perf_counter()
    data = load(name, limit=5)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"load({name!r}, limit=5) took {elapsed:.2f}s"
    assert set(data) == set(SPLITS)
    for split in SPLITS:
        assert 1 <= len(data[split]) <= 5, (split, len(data[split]))
    check_records(name, data)
    assert load(name, limit=0) == {split: [] for split in SPLITS}


def test_limit_must_be_a_count(tmp_path):
    with pytest.raises(ValueError, match="limit"):
        load("pstance", tmp_path, limit=-1)


# --- the summary command ---------------------------------------------------------------------------------------

def test_main_prints_a_table(capsys):
    data_folder("pstance")
    assert adapters.main(["pstance", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "| pstance | train | 3 |" in out and "| pstance | test | 3 |" in out


def test_main_on_synthetic_data(fake_dir, capsys):
    assert adapters.main(["--data-dir", str(fake_dir)]) == 0
    out = capsys.readouterr().out
    for name in DATASETS:
        assert f"| {name} | test |" in out
    assert "| newsmtsc_rw | train | 3 | negative 1, neutral 1, positive 1 |" in out


def test_main_reports_missing_data(tmp_path, capsys):
    assert adapters.main(["--data-dir", str(tmp_path / "nowhere"), "pstance"]) == 1
    assert "nowhere" in capsys.readouterr().err


# --- made-up files: formats, errors, skips ---------------------------------------------------------------------

SEMEVAL_HEADER = "ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment\n"


def semeval_row(ident, target, text, stance):
    return f"{ident}\t{target}\t{text}\t{stance}\tTARGET\tNEITHER\n"


def at(path: Path, line: int) -> str:
    """A regular expression for the start of an error message about path:line."""
    return "^" + re.escape(f"{path}:{line}: ")


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def pstance_csv(rows):
    return "Tweet,Target,Stance\n" + "".join(f'"{t}",{g},{s}\n' for t, g, s in rows)


def newsmtsc_line(gid, sentence, mention, polarity, **extra):
    start = sentence.index(mention)
    target = {"Input.gid": gid, "from": start, "to": start + len(mention), "mention": mention,
              "polarity": polarity, **extra}
    return json.dumps({"primary_gid": gid, "sentence_normalized": sentence, "targets": [target]}) + "\n"


IBM_HEADER = ("topicId,split,topicText,topicTarget,topicSentiment,claims.claimId,claims.stance,"
              "claims.claimCorrectedText,claims.claimOriginalText,claims.article.rawFile,"
              "claims.article.rawSpan.start,claims.article.rawSpan.end,claims.article.cleanFile,"
              "claims.article.cleanSpan.start,claims.article.cleanSpan.end,claims.Compatible,"
              "claims.claimTarget.text,claims.claimTarget.span.start,claims.claimTarget.span.end,"
              "claims.claimSentiment,claims.targetsRelation\n")


def ibm_row(topic_id, split, topic, claim_id, stance, claim):
    return (f'{topic_id},{split},"{topic}",x,1,{claim_id},{stance},"{claim}","{claim}",a.txt,0,1,b.txt,0,1,'
            f"no,,,,,\n")


@pytest.fixture
def fake_dir(tmp_path) -> Path:
    """A data directory with tiny made-up files in each data set's format."""
    root = tmp_path / "data"
    sem = root / "semeval2016_task6"
    write(sem / "trialdata-all-annotations.txt", SEMEVAL_HEADER + semeval_row(1, "Atheism", "Made up one.", "FAVOR"))
    write(sem / "trainingdata-all-annotations.txt", SEMEVAL_HEADER + "".join(
        semeval_row(100 + i, "Feminist Movement", f"Made up tweet {i}.", ["FAVOR", "AGAINST", "NONE"][i % 3])
        for i in range(40)))
    write(sem / "testdata-taskA-all-annotations.txt", SEMEVAL_HEADER + semeval_row(900, "Atheism", "Test.", "NONE"))
    ps = root / "pstance"
    for part in ("train", "val", "test"):
        for target, name in (("trump", "Donald Trump"), ("biden", "Joe Biden"), ("bernie", "Bernie Sanders")):
            write(ps / f"raw_{part}_{target}.csv", pstance_csv([(f"{part} {target} a", name, "FAVOR"),
                                                                (f"{part} {target}, b", name, "AGAINST")]))
    nm = root / "newsmtsc"
    write(nm / "train.jsonl", newsmtsc_line("g1", "Acme said hello.", "Acme", 2.0)
          + newsmtsc_line("g2", "Beta said nothing.", "Beta", 4.0)
          + newsmtsc_line("g3", "Gamma won.", "Gamma", 6.0))
    for variant in ("rw", "mt"):
        write(nm / f"splits_{variant}" / "dev.jsonl", newsmtsc_line(f"{variant}d", "Delta lost.", "Delta", 2.0))
        write(nm / f"splits_{variant}" / "test.jsonl", newsmtsc_line(f"{variant}t", "Echo won.", "Echo", 6.0))
    write(root / "ibm_claim_stance" / "claim_stance_dataset_v1.csv", IBM_HEADER
          + "".join(ibm_row(1, "train", "This house would do X", 10 + i, ["PRO", "CON"][i % 2], f"Claim {i}; yes")
                    for i in range(30))
          + ibm_row(2, "test", "This house would do Y", 99, "CON", "A claim\nover two lines"))
    return root


def test_synthetic_data_loads(fake_dir):
    for name in DATASETS:
        data = load(name, fake_dir)
        check_records(name, data)
        assert data["test"], name
    sem = load("semeval2016_a", fake_dir)
    assert len(sem["train"]) + len(sem["dev"]) == 41
    assert {r["article_id"] for r in sem["dev"]} == {r for r in map(str, [1, *range(100, 140)]) if in_dev(r)}
    ps = load("pstance", fake_dir)
    assert [r["article_id"] for r in ps["train"]] == [f"pstance-train-{i}" for i in range(1, 7)]
    assert [r["company"] for r in ps["train"]][::2] == ["Donald Trump", "Joe Biden", "Bernie Sanders"]
    assert ps["train"][1]["sentence"] == "train trump, b"
    ibm = load("ibm_claim_stance", fake_dir)
    assert ibm["test"] == [{"article_id": "99", "sentence": "A claim over two lines", "company": "This house would do Y",
                            "label": "con", "topic": "This house would do Y"}]
    assert ibm["train"][0]["sentence"].endswith("; yes")
    news = load("newsmtsc_mt", fake_dir)
    assert news["dev"] == [{"article_id": "mtd", "sentence": "Delta lost.", "company": "Delta", "label": "negative",
                            "topic": "", "mention": "Delta"}]


def test_env_var_sets_the_data_dir(fake_dir, monkeypatch):
    monkeypatch.setenv("STANCE_DATA_DIR", str(fake_dir))
    assert default_data_dir() == fake_dir
    assert len(load("newsmtsc_rw")["train"]) == 3


def test_default_data_dir_is_next_to_the_repository(monkeypatch):
    monkeypatch.delenv("STANCE_DATA_DIR", raising=False)
    repo = Path(adapters.__file__).resolve().parent.parent
    assert default_data_dir() == repo.parent / "shared" / "data"


def test_dev_hash_is_stable():
    assert in_dev("101") == in_dev("101")
    share = sum(in_dev(str(i)) for i in range(20000)) / 20000
    assert 0.09 < share < 0.11


def test_unknown_data_set(fake_dir):
    with pytest.raises(ValueError, match="unknown data set"):
        load("semeval2016_b", fake_dir)


def test_missing_data_dir(tmp_path):
    missing = tmp_path / "no-such-dir"
    with pytest.raises(FileNotFoundError, match="no-such-dir.*expected the public stance data sets"):
        load("pstance", missing)


def test_missing_data_set_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"ibm_claim_stance not found: expected"):
        load("ibm_claim_stance", tmp_path)


@pytest.mark.parametrize("name, relative", [
    ("semeval2016_a", "semeval2016_task6/testdata-taskA-all-annotations.txt"),
    ("pstance", "pstance/raw_val_biden.csv"),
    ("newsmtsc_rw", "newsmtsc/splits_rw/test.jsonl"),
    ("newsmtsc_mt", "newsmtsc/train.jsonl"),
    ("ibm_claim_stance", "ibm_claim_stance/claim_stance_dataset_v1.csv"),
])
def test_missing_file(fake_dir, name, relative):
    (fake_dir / relative).unlink()
    with pytest.raises(FileNotFoundError) as info:
        load(name, fake_dir, limit=1)
    assert str(fake_dir / relative) in str(info.value) and "expected" in str(info.value)


def test_semeval_bad_rows(fake_dir):
    path = fake_dir / "semeval2016_task6" / "testdata-taskA-all-annotations.txt"
    write(path, SEMEVAL_HEADER + semeval_row(900, "Atheism", "Fine.", "NONE") + "901\tAtheism\tonly three\n")
    with pytest.raises(ValueError, match=at(path, 3) + r"expected 6 tab-separated fields"):
        load("semeval2016_a", fake_dir)
    write(path, SEMEVAL_HEADER + semeval_row(900, "Atheism", "Fine.", "MAYBE"))
    with pytest.raises(ValueError, match=at(path, 2) + r"unknown stance"):
        load("semeval2016_a", fake_dir)
    write(path, "id,target,tweet\n")
    with pytest.raises(ValueError, match=at(path, 1) + r"unexpected header"):
        load("semeval2016_a", fake_dir)


def test_semeval_skips_task_b_rows_and_logs_them(fake_dir, caplog):
    path = fake_dir / "semeval2016_task6" / "trainingdata-all-annotations.txt"
    write(path, SEMEVAL_HEADER + semeval_row(500, "Donald Trump", "Task B.", "AGAINST")
          + semeval_row(501, "Atheism", "Kept.", "AGAINST") + semeval_row(502, "Donald Trump", "Also B.", "NONE"))
    with caplog.at_level(logging.INFO, logger="benchmarks.adapters"):
        data = load("semeval2016_a", fake_dir)
    assert {r["article_id"] for r in data["train"] + data["dev"]} == {"1", "501"}
    assert any("skipped 2 row(s)" in m and "Donald Trump" in m and str(path) in m for m in caplog.messages)


def test_semeval_cp1252_bytes(fake_dir, caplog):
    path = fake_dir / "semeval2016_task6" / "testdata-taskA-all-annotations.txt"
    write(path, SEMEVAL_HEADER.encode() + b"900\tAtheism\tIt\x92s \x93fine\x94 \xe2\x80\x94 caf\xc3\xa9\tNONE\tOTHER\tNEITHER\n")
    with caplog.at_level(logging.INFO, logger="benchmarks.adapters"):
        data = load("semeval2016_a", fake_dir)
    assert data["test"][0]["sentence"] == "It’s “fine” — café"
    assert any("3 byte(s) were not UTF-8" in m for m in caplog.messages)


def test_duplicate_ids_are_rejected(fake_dir):
    path = fake_dir / "semeval2016_task6" / "testdata-taskA-all-annotations.txt"
    write(path, SEMEVAL_HEADER + semeval_row(900, "Atheism", "One.", "NONE") + semeval_row(900, "Atheism", "Two.", "NONE"))
    with pytest.raises(ValueError, match=at(path, 3) + "duplicate id '900'.*first at " + re.escape(f"{path}:2")):
        load("semeval2016_a", fake_dir)


def test_pstance_bad_rows(fake_dir, caplog):
    path = fake_dir / "pstance" / "raw_test_biden.csv"
    write(path, pstance_csv([("ok", "Joe Biden", "FAVOR"), ("meh", "Joe Biden", "NONE")]))
    with caplog.at_level(logging.INFO, logger="benchmarks.adapters"):
        data = load("pstance", fake_dir)
    assert len(data["test"]) == 5
    assert any("skipped 1 row(s): label NONE" in m for m in caplog.messages)
    write(path, pstance_csv([("ok", "Joe Biden", "FAVOR")]) + "too,many,fields,here\n")
    with pytest.raises(ValueError, match=at(path, 3) + r"expected 3 fields"):
        load("pstance", fake_dir)
    write(path, pstance_csv([("ok", "Joe Biden", "favour")]))
    with pytest.raises(ValueError, match=at(path, 2) + r"unknown stance"):
        load("pstance", fake_dir)


def test_newsmtsc_bad_rows(fake_dir):
    path = fake_dir / "newsmtsc" / "splits_rw" / "dev.jsonl"
    good = newsmtsc_line("a", "Acme won.", "Acme", 6.0)
    write(path, good + "{not json\n")
    with pytest.raises(ValueError, match=at(path, 2) + r"not valid JSON"):
        load("newsmtsc_rw", fake_dir)
    write(path, good + newsmtsc_line("b", "Beta won.", "Beta", 5.0))
    with pytest.raises(ValueError, match=at(path, 2) + r"targets\[0\]: unknown polarity"):
        load("newsmtsc_rw", fake_dir)
    bad = json.loads(good)
    bad["targets"][0]["mention"] = "Zeta"
    write(path, "\n" + json.dumps(bad) + "\n")
    with pytest.raises(ValueError, match=at(path, 2) + r"targets\[0\]: mention 'Zeta' does not occur"):
        load("newsmtsc_rw", fake_dir)
    write(path, json.dumps({"sentence_normalized": "x", "targets": []}) + "\n")
    with pytest.raises(ValueError, match=at(path, 1) + r"'targets' must be a non-empty list"):
        load("newsmtsc_rw", fake_dir)


def test_ibm_bad_rows(fake_dir):
    path = fake_dir / "ibm_claim_stance" / "claim_stance_dataset_v1.csv"
    write(path, IBM_HEADER + ibm_row(1, "dev", "T", 1, "PRO", "c"))
    with pytest.raises(ValueError, match=at(path, 2) + r"unknown split"):
        load("ibm_claim_stance", fake_dir)
    write(path, IBM_HEADER + ibm_row(1, "test", "T", 1, "PRO", "c") + ibm_row(1, "test", "T", 2, "NEUTRAL", "c"))
    with pytest.raises(ValueError, match=at(path, 3) + r"unknown claims.stance"):
        load("ibm_claim_stance", fake_dir)
    write(path, IBM_HEADER + "1,test,short\n")
    with pytest.raises(ValueError, match=at(path, 2) + r"expected 21 fields, found 3"):
        load("ibm_claim_stance", fake_dir)
    write(path, "a,b,c\n")
    with pytest.raises(ValueError, match=at(path, 1) + r"missing columns"):
        load("ibm_claim_stance", fake_dir)


def test_limit_stops_reading_early(fake_dir):
    data = load("semeval2016_a", fake_dir, limit=2)
    assert len(data["train"]) == 2 and len(data["test"]) == 1 and len(data["dev"]) <= 2
    data = load("pstance", fake_dir, limit=1)
    assert [len(data[s]) for s in SPLITS] == [1, 1, 1]
    assert data["dev"][0]["article_id"] == "pstance-dev-1"
