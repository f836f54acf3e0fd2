"""Training, the model directory and pair-level prediction, on a tiny random BERT (fast)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from stance import Example, ModelFormatError, StanceModel, TrainConfig, build, train
from stance.data import SPLITS, split_of
from stance.inputs import InputTemplate, encode

FAST = TrainConfig(epochs=2, batch_size=8, learning_rate=1e-3)


def test_train_config_is_validated():
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="topic_dropout"):
        TrainConfig(topic_dropout=1.5)
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16, got 'fp16'"):
        TrainConfig(precision="fp16")


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_both_precisions_train_deterministically(tiny_jsonl, tiny_base, precision):
    from stance.training import use_bf16

    ex = build(tiny_jsonl).examples["test"]
    config = TrainConfig(epochs=1, batch_size=8, seed=3, precision=precision)
    kw = dict(base=tiny_base, progress=False, tune_aggregation=False, evaluate_test=False)
    a, b = train(tiny_jsonl, config=config, **kw), train(tiny_jsonl, config=config, **kw)
    assert a.settings.training["bf16"] is (precision == "bf16") is use_bf16(precision, "cpu")
    assert a.predict_proba(ex).dtype == np.float32  # saved and served in fp32 whatever the training arithmetic
    np.testing.assert_array_equal(a.predict_proba(ex), b.predict_proba(ex))


def test_splits_are_stable_and_disjoint(tiny_jsonl):
    data = build(tiny_jsonl)
    ids = {s: {a.id for a in data.articles[s]} for s in SPLITS}
    assert all(ids[s] for s in SPLITS)
    assert not (ids["train"] & ids["dev"] or ids["train"] & ids["test"] or ids["dev"] & ids["test"])
    assert all(split_of(i) == s for s in SPLITS for i in ids[s])
    assert split_of("fr-police-0001") == split_of("fr-police-0001")
    dd = data.to_dataset_dict()
    assert set(dd) == set(SPLITS) and dd["train"].num_rows == data.summary.examples["train"]
    assert {"sentence", "company", "topic", "label", "mention_start"} <= set(dd["train"].column_names)
    assert "examples" in data.summary.to_text()


def test_examples_carry_the_previous_sentence(tiny_jsonl):
    data = build(tiny_jsonl)
    ex = [e for e in data.examples["train"] if e.sentence.startswith("Separately")][0]
    assert ex.context and ex.context.endswith(".") and ex.context in ex.sentence + " " + ex.context


def test_template_marks_the_mention_and_windows_long_sentences(tiny_base):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_base))
    ex = Example("Acme will not sell it.", "Acme", "a tax", mention=(0, 4))
    assert InputTemplate(order="target_first").pair(ex) == ("Acme: a tax", "[Acme] will not sell it.")
    assert InputTemplate().pair(ex) == ("[Acme] will not sell it.", "Acme: a tax")
    assert InputTemplate(order="sentence_first", marker="none", topic=False).pair(ex) == ("Acme will not sell it.",
                                                                                         "Acme")
    long = Example("Acme " + "will not sell it and " * 100 + "stop.", "Acme", mention=(0, 4))
    enc = encode(tok, [ex, long], InputTemplate(), max_length=64)
    assert enc.owner.count(0) == 1 and enc.owner.count(1) > 3
    assert enc.features["input_ids"].shape[1] <= 64


def test_save_load_round_trip_gives_identical_logits(tiny_model_dir, tmp_path, tiny_jsonl):
    data = build(tiny_jsonl)
    model = StanceModel.from_pretrained(tiny_model_dir)
    p1 = model.predict_proba(data.examples["test"])
    other = model.save_pretrained(tmp_path / "copy")
    p2 = StanceModel.from_pretrained(other).predict_proba(data.examples["test"])
    np.testing.assert_array_equal(p1, p2)
    files = {f.name for f in other.iterdir()}
    assert {"config.json", "model.safetensors", "stance.json", "README.md", "tokenizer.json"} <= files
    assert not any(f.endswith((".bin", ".pkl", ".pt")) for f in files)
    settings = json.loads((other / "stance.json").read_text())
    assert settings["labels"] == ["against", "favor", "neutral"] and settings["format_version"] == 1
    assert settings["data"]["fingerprint"] == data.fingerprint
    assert "test" in settings["metrics"] and settings["training"]["epochs_run"] >= 1
    assert json.loads((other / "config.json").read_text())["id2label"] == {"0": "against", "1": "favor",
                                                                           "2": "neutral"}
    assert "| test | examples | stance |" in (other / "README.md").read_text()


def test_same_seed_same_weights_other_seed_other_weights(tiny_jsonl, tiny_base):
    ex = build(tiny_jsonl).examples["test"]
    kw = dict(base=tiny_base, progress=False, tune_aggregation=False, evaluate_test=False)
    a = train(tiny_jsonl, config=TrainConfig(epochs=1, batch_size=8, seed=1), **kw).predict_proba(ex)
    b = train(tiny_jsonl, config=TrainConfig(epochs=1, batch_size=8, seed=1), **kw).predict_proba(ex)
    c = train(tiny_jsonl, config=TrainConfig(epochs=1, batch_size=8, seed=2), **kw).predict_proba(ex)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_averaging_epochs_records_and_keeps_what_it_scored_on_dev(tiny_jsonl, tiny_base):
    from dataclasses import replace

    from stance.metrics import classification_scores

    data = build(tiny_jsonl)
    config = TrainConfig(epochs=3, patience=3, batch_size=8, learning_rate=1e-3, average_epochs=True)
    model = train(data, config=config, base=tiny_base, progress=False, tune_aggregation=False, evaluate_test=False)
    averaged, history = model.settings.training["averaged"], model.settings.training["history"]
    best = max(history, key=lambda h: h["dev_macro_f1"])
    assert best["epoch"] in averaged["epochs"] and averaged["dev_macro_f1"] >= best["dev_macro_f1"]
    dev = data.examples["dev"]
    scores = [classification_scores([e.label for e in dev], model.predict(d), model.labels)["macro_f1"]
              for d in (dev, [replace(e, topic=None) for e in dev])]
    assert np.mean(scores) == pytest.approx(averaged["dev_macro_f1"], abs=1e-4)
    from stance.model_card import render_card

    assert f"the average of epochs {averaged['epochs']}" in render_card(model.settings)


def test_greedy_average_adds_epochs_only_while_dev_does_not_drop(monkeypatch):
    """Epoch weights 1, 2, 3 with dev scores .5, .7, .6: the average of 2 and 3 scores best, adding 1 lowers it."""
    import torch

    from stance import training

    net = torch.nn.Linear(1, 1, bias=False)
    model = type("M", (), {"model": net})()
    monkeypatch.setattr(training, "_dev_scores",
                        lambda m, dev, config: {"dev_macro_f1": 0.8 - 0.1 * abs(m.model.weight.item() - 2.5)})
    states = {e: {"weight": torch.full((1, 1), float(e))} for e in (1, 2, 3)}
    history = [{"epoch": e, "dev_macro_f1": f} for e, f in ((1, 0.5), (2, 0.7), (3, 0.6))]
    out = training._greedy_average(model, states, history, [], TrainConfig())
    assert out == {"epochs": [2, 3], "dev_macro_f1": 0.8}
    assert net.weight.item() == pytest.approx(2.5)


def test_distillation_records_its_teachers_and_changes_the_model(tiny_jsonl, tiny_base):
    from dataclasses import replace

    from stance.model_card import render_card

    data = build(tiny_jsonl)
    kw = dict(base=tiny_base, progress=False, tune_aggregation=False, evaluate_test=False)
    config = TrainConfig(epochs=2, batch_size=8, learning_rate=1e-3, seed=5)
    ex = data.examples["test"]
    plain = train(data, config=config, **kw)
    student = train(data, config=replace(config, teachers=2), **kw)
    record = student.settings.training["distilled"]
    assert record["seeds"] == [6, 7] and len(record["dev_macro_f1"]) == 2 and "ensemble_dev_macro_f1" in record
    alone = train(data, config=replace(config, seed=6), **kw)  # a teacher is the model its seed trains alone
    assert record["dev_macro_f1"][0] == max(h["dev_macro_f1"] for h in alone.settings.training["history"])
    assert not np.allclose(plain.predict_proba(ex), student.predict_proba(ex))
    ignored = train(data, config=replace(config, teachers=1, distill_weight=0.0), **kw)  # weight 0: the plain model
    np.testing.assert_allclose(plain.predict_proba(ex), ignored.predict_proba(ex), atol=1e-6)
    assert "distilled from 2 teachers (seeds [6, 7]" in render_card(student.settings)


def test_each_batch_row_gets_its_examples_teacher_probabilities():
    """Rows are windows of examples (owner), examples are train indices (idx); a dropped topic picks the plain row."""
    from stance.training import _soft_rows

    with_topic = np.arange(12.0).reshape(4, 3)
    plain = -with_topic
    dropped = [False, True, False, True]
    rows = _soft_rows((with_topic, plain), dropped, idx=[3, 0, 2], owner=[0, 0, 1, 2])
    np.testing.assert_array_equal(rows, [plain[3], plain[3], with_topic[0], with_topic[2]])


def test_distillation_follows_the_teachers_probabilities(tiny_jsonl, tiny_base, monkeypatch):
    """Teachers that say "neutral" to everything, with the labels' weight 0: the student says "neutral" too."""
    from stance import training

    data = build(tiny_jsonl)
    n, neutral = len(data.examples["train"]), list(data.labels).index("neutral")
    onehot = np.zeros((n, len(data.labels)))
    onehot[:, neutral] = 1.0
    monkeypatch.setattr(training, "_teach", lambda *a, **k: ((onehot, onehot), {"seeds": [1]}))
    config = TrainConfig(epochs=3, batch_size=8, learning_rate=1e-3, teachers=1, distill_weight=1.0)
    student = train(data, config=config, base=tiny_base, progress=False, tune_aggregation=False, evaluate_test=False)
    said = student.predict(data.examples["train"])
    assert said.count("neutral") >= 0.9 * n
    assert student.settings.training["distilled"] == {"seeds": [1]}


def test_training_learns_the_tiny_task(tiny_model_dir, tiny_jsonl):
    settings = json.loads((tiny_model_dir / "stance.json").read_text())
    history = settings["training"]["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"] + 1e-6 or len(history) == 1
    assert settings["aggregation"]["rule"] in ("max", "last", "mean")


def test_predict_one_gives_one_label_many_give_many(tiny_model_dir):
    model = StanceModel.from_pretrained(tiny_model_dir)
    one = model.predict(("Acme strongly supports the plan.", "Acme", "a national carbon tax"))
    assert one in model.labels
    many = model.predict([("Acme strongly supports the plan.", "Acme"), Example("Borlan firmly opposes.", "Borlan")])
    assert isinstance(many, list) and len(many) == 2
    proba = model.predict_proba([("Acme strongly supports the plan.", "Acme")] * 3)
    assert proba.shape == (3, 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    with pytest.raises(TypeError, match="expected an Example"):
        model.predict([42])


def test_length_sorted_batches_keep_input_order(tiny_model_dir):
    model = StanceModel.from_pretrained(tiny_model_dir)
    exs = [Example("Acme " + "strongly supports the plan " * k + ".", "Acme", mention=(0, 4)) for k in (1, 9, 3, 5)]
    together = model.predict_proba(exs, batch_size=2)
    alone = np.stack([model.predict_proba(e) for e in exs])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_continue_training_from_a_stance_model(tiny_model_dir, tiny_jsonl, tmp_path):
    model = train(tiny_jsonl, init=tiny_model_dir, config=TrainConfig(epochs=1, batch_size=8), progress=False,
                  tune_aggregation=False, evaluate_test=False)
    assert model.settings.training["init"] == str(tiny_model_dir)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "x", "text": "Acme backs it.", "sentences": [
        {"text": "Acme backs it.", "company": "Acme", "label": "support"}]}) + "\n")
    data = build(other, labels=["support", "oppose"])
    data.examples["train"] = data.examples["train"] or data.examples["dev"] or data.examples["test"]
    with pytest.raises(ModelFormatError, match="labels"):
        train(data, init=tiny_model_dir, config=TrainConfig(epochs=1), progress=False)


def test_loading_what_is_not_a_stance_model_fails_clearly(tmp_path, tiny_base, tiny_model_dir):
    with pytest.raises(ModelFormatError, match="no such model directory"):
        StanceModel.from_pretrained(tmp_path / "nothing")
    with pytest.raises(ModelFormatError, match="not a stance model"):
        StanceModel.from_pretrained(tiny_base)
    newer = StanceModel.from_pretrained(tiny_model_dir).save_pretrained(tmp_path / "newer")
    settings = json.loads((newer / "stance.json").read_text())
    (newer / "stance.json").write_text(json.dumps({**settings, "format_version": 99}))
    with pytest.raises(ModelFormatError, match="newer than this stance supports"):
        StanceModel.from_pretrained(newer)
    (newer / "stance.json").write_text(json.dumps(settings))
    (newer / "model.safetensors").unlink()
    with pytest.raises(ModelFormatError, match="safetensors"):
        StanceModel.from_pretrained(newer)


KILLER = """
import sys
from stance import StanceModel
m = StanceModel.from_pretrained(sys.argv[1])
print("ready", flush=True)
while True:
    m.save_pretrained(sys.argv[2])
"""


def test_killing_a_save_leaves_the_old_or_the_new_model(tiny_model_dir, tmp_path):
    target = StanceModel.from_pretrained(tiny_model_dir).save_pretrained(tmp_path / "model")
    expected = StanceModel.from_pretrained(target).predict_proba(("Acme backs it.", "Acme"))
    script = tmp_path / "saver.py"
    script.write_text(KILLER)
    for delay in (0.05, 0.15, 0.3, 0.5, 0.8):
        proc = subprocess.Popen([sys.executable, str(script), str(tiny_model_dir), str(target)],
                                stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(Path.cwd())})
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        loaded = StanceModel.from_pretrained(target)  # never a broken directory
        np.testing.assert_array_equal(loaded.predict_proba(("Acme backs it.", "Acme")), expected)


def test_untuned_model_classifies_with_the_default_rule(tiny_base):
    model = StanceModel.from_base(tiny_base, ["against", "favor", "neutral"])
    result = model.classify("Acme will not sell it.", companies=["Acme"])
    assert [p.company for p in result.positions] == ["Acme"]


def test_short_max_length_and_long_topic_window_or_fail_clearly(tiny_base):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_base))
    long = Example("Acme " + "will not sell it and " * 40 + "stop.", "Acme", "a tax " * 4, mention=(0, 4))
    enc = encode(tok, [long], InputTemplate(), max_length=40)
    assert len(enc.owner) > 3
    with pytest.raises(ValueError, match="raise max_length or shorten the topic"):
        encode(tok, [Example("Acme sells.", "Acme", "a tax " * 40)], InputTemplate(), max_length=64)


def test_target_token_counts_are_exact_and_each_target_is_tokenized_once(tiny_base):
    from transformers import AutoTokenizer

    from stance.inputs import target_tokens

    tok = AutoTokenizer.from_pretrained(str(tiny_base))
    calls = []

    class Counting:  # the tokenizer, with its calls recorded
        def __call__(self, texts, **kw):
            calls.append(list(texts))
            return tok(texts, **kw)

    counting = Counting()
    targets = ["Acme: a tax on carbon", "Acme", "Acme: a tax on carbon"]
    exact = [len(tok(t, add_special_tokens=False)["input_ids"]) for t in targets]
    assert target_tokens(counting, targets) == exact
    assert target_tokens(counting, targets[1:]) == exact[1:]
    assert calls == [["Acme: a tax on carbon", "Acme"]]


def test_saving_through_a_symlink_keeps_the_link(tiny_model_dir, tmp_path):
    real = StanceModel.from_pretrained(tiny_model_dir).save_pretrained(tmp_path / "real")
    (tmp_path / "link").symlink_to(real)
    StanceModel.from_pretrained(tiny_model_dir).save_pretrained(tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and (tmp_path / "link" / "stance.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_building_data_with_an_empty_split_saves(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"id": "only", "text": "Acme backs it.", "sentences": [
        {"text": "Acme backs it.", "company": "Acme", "label": "favor"}]}) + "\n")
    out = build(path).save(tmp_path / "ds")
    assert (out / "dataset_dict.json").exists()
