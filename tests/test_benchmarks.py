"""Smoke runs of the benchmark scripts: each public data set's adapter feeds the accuracy benchmark."""

from __future__ import annotations

import pytest

from benchmarks import accuracy, adapters
from benchmarks.common import records_to_data, write_section


@pytest.fixture(scope="module")
def data_dir():
    d = adapters.default_data_dir()
    if not d.is_dir():
        pytest.skip(f"public data sets not found at {d} (set STANCE_DATA_DIR)")
    return d


@pytest.mark.parametrize("name", adapters.DATASETS)
def test_accuracy_smoke_run_of_each_data_set(name, data_dir, tmp_path, capsys):
    rc = accuracy.main(["--data-dir", str(data_dir), "--datasets", name, "--systems", "tfidf_lr", "majority",
                        "--seeds", "1", "--limit", "80", "--runs-dir", str(tmp_path), "--no-progress"])
    assert rc == 0
    out = capsys.readouterr().out
    assert f"{name}" in out and "majority" in out
    assert not list(tmp_path.glob("*.json"))  # a smoke run saves nothing


def test_records_become_stance_data_with_the_official_splits():
    splits = {s: [{"article_id": f"{s}{i}", "sentence": f"Tweet {i} about Hillary Clinton.", "company": "Hillary Clinton",
                   "topic": "Hillary Clinton", "label": "against" if i % 2 else "favor"} for i in range(5)]
              for s in ("train", "dev", "test")}
    data = records_to_data(splits)
    assert {s: len(v) for s, v in data.examples.items()} == {"train": 5, "dev": 5, "test": 5}
    assert data.examples["test"][0].mention is not None and data.labels == ("against", "favor")


def test_summary_is_mean_and_std_over_seeds():
    runs = [{"dataset": "pstance", "system": "stance", "seed": s, "commit": "x", "date": "d",
             "test": {"macro_f1": v}} for s, v in enumerate([0.7, 0.8, 0.9])]
    (rec,) = accuracy.summarise(runs)
    assert rec["mean"] == pytest.approx(0.8) and rec["std"] == pytest.approx(0.0816, abs=1e-4)
    assert rec["seeds"] == [0, 1, 2] and {"dataset", "split", "system", "metric", "commit", "date",
                                          "settings"} <= set(rec)


def test_results_sections_are_replaced_in_place(tmp_path):
    md = tmp_path / "RESULTS.md"
    write_section("a", "first", md)
    write_section("b", "other", md)
    write_section("a", "second", md)
    text = md.read_text()
    assert "second" in text and "first" not in text and text.index("second") < text.index("other")


def test_a_tag_keeps_new_stance_units_beside_older_ones(tmp_path, monkeypatch):
    """`--tag r2` runs stance again beside a saved unit of an older recipe; baseline units stay shared."""
    monkeypatch.setattr(adapters, "load", lambda name, data_dir, limit=None: {
        s: [{"article_id": f"{s}{i}", "sentence": f"Tweet {i}.", "company": "X", "topic": "X",
             "label": "against" if i % 2 else "favor"} for i in range(4)] for s in ("train", "dev", "test")})
    monkeypatch.setattr(accuracy, "run_unit", lambda dataset, system, seed, data, **kw: {
        "dataset": dataset, "system": system, "seed": seed, "commit": "x", "date": "d", "train_seconds": 1.0,
        "test": {"f_avg": 0.5}})
    monkeypatch.setattr(accuracy, "_write_summary", lambda runs_dir: None)
    old = tmp_path / "semeval2016_a__stance__seed0.json"
    old.write_text('{"old": true}')
    args = ["--datasets", "semeval2016_a", "--systems", "stance", "tfidf_lr", "--seeds", "1", "--runs-dir",
            str(tmp_path), "--no-progress"]
    assert accuracy.main(args + ["--tag", "r2"]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "semeval2016_a__stance__seed0.json", "semeval2016_a__stance__seed0__r2.json",
        "semeval2016_a__tfidf_lr__seed0.json"]
    assert old.read_text() == '{"old": true}'


def test_recipe_variants_train_score_and_average_seeds(tiny_jsonl, tiny_base, tmp_path, monkeypatch):
    """Each (data set, variant, seed) unit is trained with that variant's settings, saved, then tabled."""
    import json

    from benchmarks import recipes

    monkeypatch.setitem(recipes.VARIANTS, "tiny_lr", {"learning_rate": 1e-3, "epochs": 2})
    monkeypatch.setitem(recipes.VARIANTS, "tiny_lr_low", {"learning_rate": 1e-5, "epochs": 2})
    written = {}
    monkeypatch.setattr(recipes, "write_section", lambda name, body: written.update({name: body}))
    args = ["--datasets", "corpus", "--corpus", str(tiny_jsonl), "--base", str(tiny_base), "--variants", "tiny_lr",
            "tiny_lr_low", "--seeds", "2", "--runs-dir", str(tmp_path)]
    assert recipes.main(args) == 0
    units = {p.name: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert sorted(units) == [f"corpus__{v}__seed{s}.json" for v in ("tiny_lr", "tiny_lr_low") for s in (0, 1)]
    unit = units["corpus__tiny_lr_low__seed1.json"]
    assert unit["config"]["learning_rate"] == 1e-5 and unit["config"]["seed"] == 1 and unit["variant"] == "tiny_lr_low"
    from stance import build

    assert len(unit["proba"]["test"]) == len(build(tiny_jsonl).examples["test"])  # one row per test example
    assert all(len(row) == len(unit["proba"]["labels"]) for row in unit["proba"]["test"])
    table = written["recipes"]
    assert "| tiny_lr | learning_rate=0.001, epochs=2 | 2 |" in table
    row = next(line for line in table.splitlines() if line.startswith("| tiny_lr_low"))
    cells = row.split(" | ")
    assert cells[5] != "-" and cells[7] != "-"  # the average of the two seeds' probabilities is scored, dev and test
    mtime = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    assert recipes.main(args) == 0  # resumable: units already saved are not trained again
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")} == mtime


def test_teachers_train_stance_by_distillation_and_get_a_row_of_their_own(tmp_path, monkeypatch):
    """`--teachers 2` hands the override to stance only, files its units as distill2, and names it in the table."""
    monkeypatch.setattr(adapters, "load", lambda name, data_dir, limit=None: {
        s: [{"article_id": f"{s}{i}", "sentence": f"Tweet {i}.", "company": "X", "topic": "X",
             "label": "against" if i % 2 else "favor"} for i in range(4)] for s in ("train", "dev", "test")})
    seen = {}

    def fake_unit(dataset, system, seed, data, **kw):
        seen[system] = kw.get("overrides")
        return {"dataset": dataset, "system": system, "seed": seed, "commit": "x", "date": "d", "train_seconds": 9.0,
                "train_examples_per_s": 3.0, "test": {"f_avg": 0.5},
                **({"config": {"learning_rate": 1e-4, "epochs": 4, "teachers": 2},
                    "template": {"order": "sentence_first"}} if system == "stance" else {})}

    monkeypatch.setattr(accuracy, "run_unit", fake_unit)
    monkeypatch.setattr(accuracy, "_write_summary", lambda runs_dir: None)
    assert accuracy.main(["--datasets", "semeval2016_a", "--systems", "stance", "tfidf_lr", "--seeds", "1",
                          "--teachers", "2", "--runs-dir", str(tmp_path), "--no-progress"]) == 0
    assert seen == {"stance": {"teachers": 2}, "tfidf_lr": None}
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "semeval2016_a__stance__seed0__distill2.json", "semeval2016_a__tfidf_lr__seed0.json"]
    import json

    runs = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))]
    row = next(ln for ln in accuracy.markdown(accuracy.summarise(runs), runs).splitlines() if ln.startswith("| stance"))
    assert "distilled from 2 teachers" in row and "| - |" in row  # its seconds include the teachers': no ex/s
    assert accuracy.main(["--datasets", "semeval2016_a", "--systems", "stance", "--seeds", "1", "--teachers", "2",
                          "--tag", "r2", "--runs-dir", str(tmp_path), "--no-progress"]) == 0
    assert (tmp_path / "semeval2016_a__stance__seed0__r2_distill2.json").exists()  # never taken for a plain r2 unit
