"""With the real MiniLM encoder: training on a few hundred examples, reload, determinism, the notebook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stance import StanceModel, TrainConfig, build, train

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def small_corpus():
    data = build(ROOT / "stance" / "corpus")
    data.examples["train"] = data.examples["train"][:300]
    data.examples["dev"] = data.examples["dev"][:100]
    return data


@pytest.mark.slow
def test_real_encoder_trains_reloads_identically_and_is_deterministic(small_corpus, tmp_path):
    config = TrainConfig(epochs=1, seed=7)
    kw = dict(config=config, progress=False, tune_aggregation=False, evaluate_test=False)
    test = small_corpus.examples["test"][:120]
    first = train(small_corpus, **kw)
    p1 = first.predict_proba(test)
    path = first.save_pretrained(tmp_path / "m")
    np.testing.assert_array_equal(StanceModel.from_pretrained(path).predict_proba(test), p1)
    second = train(small_corpus, **kw)
    assert second.predict(test) == first.predict(test)
    np.testing.assert_allclose(second.predict_proba(test), p1, atol=1e-6)
    assert first.settings.training["history"][0]["dev_macro_f1"] > 0.3  # it learned something beyond chance


@pytest.mark.slow
def test_quickstart_notebook_runs(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Microsoft" in outputs and "| stance |" in outputs
