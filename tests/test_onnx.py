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


def test_int8_file_keeps_embeddings_in_fp32(tiny_model_dir, tmp_path):
    """The embedding tables stay fp32: int8 there saves no time and only adds error."""
    import onnx

    path = tmp_path / "model"
    shutil.copytree(tiny_model_dir, path)
    graph = onnx.load(str(export_onnx(path))).graph
    assert any(n.op_type == "MatMulInteger" for n in graph.node)
    gathered = {n.input[0] for n in graph.node if n.op_type == "Gather"}
    assert not any(name.endswith("_quantized") for name in gathered), gathered


def test_near_ties_of_int8_are_recomputed_in_fp32(tiny_model_dir, tiny_jsonl, tmp_path):
    import onnx

    from stance.onnx_backend import OnnxSession

    path = tmp_path / "model"
    shutil.copytree(tiny_model_dir, path)
    export_onnx(path)
    ops = {n.op_type for n in onnx.load(str(path / "model.onnx")).graph.node}
    assert "IsNaN" not in ops and "Softmax" in ops  # exported with plain attention, the faster graph
    examples = [e for s in ("train", "dev", "test") for e in build(tiny_jsonl).examples[s]]
    fp32, everything = (StanceModel.from_pretrained(path) for _ in range(2))
    fp32._onnx = OnnxSession(path, quantized=False)
    int8 = StanceModel.from_pretrained(path, backend="onnx", recheck_margin=0)
    everything._onnx = OnnxSession(path, recheck_margin=1.01)  # every prediction is a "near tie"
    exact, fast, rechecked = (m.predict_proba(examples, batch_size=5) for m in (fp32, int8, everything))
    np.testing.assert_allclose(rechecked, exact, atol=1e-5)
    assert not np.allclose(fast, exact, atol=1e-5)  # int8 alone differs, so the recheck did something
    assert everything._onnx.rechecked == len(examples) and int8._onnx.rechecked == 0
    default = StanceModel.from_pretrained(path)
    probs = default.predict_proba(examples, batch_size=5)
    top2 = np.sort(probs, axis=1)[:, -2:]
    near = top2[:, 1] - top2[:, 0] < default._onnx.recheck_margin
    np.testing.assert_allclose(probs[near], exact[near], atol=1e-5)


def test_no_recheck_without_the_fp32_file(tiny_model_dir, tmp_path):
    from stance.onnx_backend import OnnxSession

    path = tmp_path / "model"
    shutil.copytree(tiny_model_dir, path)
    export_onnx(path, keep_fp32=False)
    assert not (path / "model.onnx").exists()
    assert OnnxSession(path).recheck_margin == 0
    assert StanceModel.from_pretrained(path).predict(("Acme said it would stop.", "Acme")) in ("against", "favor", "neutral")
