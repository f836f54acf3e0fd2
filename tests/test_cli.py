"""The command line: the shapes the README promises, clear errors with exit status 2 and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from stance.cli import main

from .conftest import FACIAL


def run(*args, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "stance.cli", *map(str, args)], capture_output=True, text=True,
                          input=stdin, timeout=600)


def test_build_prints_counts_and_saves(tiny_jsonl, tmp_path, capsys):
    assert main(["build", str(tiny_jsonl), "--out", str(tmp_path / "ds")]) == 0
    out = capsys.readouterr().out
    assert "examples" in out and "positions favor" in out
    assert (tmp_path / "ds" / "dataset_dict.json").exists() and (tmp_path / "ds" / "summary.json").exists()


def test_bad_annotations_exit_2_with_every_line_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "Acme."}\n{"text": "x"}\nnot json\n')
    r = run("build", bad)
    assert r.returncode == 2
    assert r.stderr.startswith("stance: error:")
    assert f"{bad}:1:" in r.stderr and f"{bad}:2:" in r.stderr and f"{bad}:3:" in r.stderr
    assert "Traceback" not in r.stderr


def test_user_mistakes_exit_2(tmp_path, capsys):
    assert main(["train", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "m")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["classify", str(tmp_path / "missing.txt"), "--model", str(tmp_path)]) == 2
    assert main(["evaluate", str(tmp_path), str(tmp_path)]) == 2
    assert "stance: error:" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["train", "--epochs", "many"])
    assert e.value.code == 2


def test_help_explains_each_option():
    r = run("train", "--help")
    assert r.returncode == 0
    for opt in ("--out", "--base", "--init", "--epochs", "--seed", "--no-progress", "--default"):
        assert opt in r.stdout


def test_train_then_evaluate_then_classify(tiny_jsonl, tiny_base, tmp_path):
    out = tmp_path / "model"
    r = run("train", tiny_jsonl, "--out", out, "--base", tiny_base, "--epochs", "2", "--seed", "3", "--no-progress",
            "--average-epochs")
    assert r.returncode == 0, r.stderr
    assert (out / "stance.json").exists() and "saved" in r.stdout
    training = json.loads((out / "stance.json").read_text())["training"]
    assert training["average_epochs"] is True and training["seed"] == 3 and training["epochs"] == 2
    r = run("evaluate", out, tiny_jsonl, "--split", "test", "--json", "--bootstrap", "50")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert {"stance", "majority", "tfidf_lr"} <= set(report["examples"])
    r = run("classify", FACIAL, "--model", out)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["company", "position", "confidence"]
    assert {ln.split("  ")[0].strip() for ln in lines[1:]} == {"Microsoft", "Amazon", "IBM", "The Washington Post"}
    r = run("classify", "-", "--model", out, "--json", "--company", "Amazon", stdin=FACIAL.read_text())
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert [p["company"] for p in result["positions"]] == ["Amazon"]
    r = run("classify", FACIAL, FACIAL, "--model", out, "--json")
    assert len(r.stdout.strip().splitlines()) == 2


def test_train_with_teachers_saves_a_distilled_model(tiny_jsonl, tiny_base, tmp_path):
    out = tmp_path / "model"
    r = run("train", tiny_jsonl, "--out", out, "--base", tiny_base, "--epochs", "1", "--seed", "3", "--no-progress",
            "--teachers", "1", "--distill-weight", "0.7")
    assert r.returncode == 0, r.stderr
    training = json.loads((out / "stance.json").read_text())["training"]
    assert training["distilled"]["seeds"] == [4] and training["distill_weight"] == 0.7
    assert "distilled from 1 teacher (seeds [4]" in (out / "README.md").read_text()
    r = run("train", tiny_jsonl, "--out", tmp_path / "bad", "--base", tiny_base, "--teachers", "-1")
    assert r.returncode == 2 and "teachers must be >= 0" in r.stderr
