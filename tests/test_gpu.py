"""Training and inference on CUDA (skipped where there is no GPU; CI has none)."""

from __future__ import annotations

import numpy as np
import pytest

from stance import StanceModel, TrainConfig, build, train


@pytest.mark.gpu
def test_training_and_inference_run_on_cuda(tiny_jsonl, tiny_base, tmp_path):
    model = train(tiny_jsonl, base=tiny_base, config=TrainConfig(epochs=2, batch_size=8, learning_rate=1e-3),
                  progress=False, tune_aggregation=False, evaluate_test=False)
    assert model.device.type == "cuda"
    assert next(model.model.parameters()).is_cuda
    assert model.settings.training["device"] == "cuda"
    examples = build(tiny_jsonl).examples["test"]
    on_gpu = model.predict_proba(examples)
    path = model.save_pretrained(tmp_path / "m")
    on_cpu = StanceModel.from_pretrained(path, device="cpu").predict_proba(examples)
    assert StanceModel.from_pretrained(path).device.type == "cuda"
    np.testing.assert_allclose(on_gpu, on_cpu, atol=1e-3)
