"""The ONNX Runtime int8 backend agrees with torch and is picked up automatically."""

from __future__ import annotations

import shutil

import numpy as np

from stance import StanceModel, build, export_onnx


def test_export_agrees_with_torch(tiny_model_dir, tiny_jsonl, tmp_path):
    path = tmp_path / "model"
    shutil.copytree(tiny_model_dir, path)
    export_onnx(path)
    assert (path / "model.int8.onnx").exists() and (path / "model.onnx").exists()
    examples = [e for s in ("train", "dev", "test") for e in build(tiny_jsonl).examples[s]]
    torch_model = StanceModel.from_pretrained(path, backend="torch")
    fast = StanceModel.from_pretrained(path)  # auto: ONNX on CPU once exported
    assert fast.backend == "onnx" and torch_model.backend == "torch"
    a = torch_model.predict_proba(examples, batch_size=7)
    b = fast.predict_proba(examples, batch_size=7)
    agree = np.mean(a.argmax(axis=1) == b.argmax(axis=1))
    assert agree >= 0.99, agree
    assert np.abs(a - b).max() < 0.1
