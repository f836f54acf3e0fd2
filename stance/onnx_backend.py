"""The fast CPU backend: export a model to ONNX, quantise it to int8, and run it with ONNX Runtime.

``stance export MODEL_DIR`` writes ``model.onnx`` (fp32) and ``model.int8.onnx`` (dynamic int8, per-channel
weights) into the model directory; a model loaded with ``backend="auto"`` then uses the int8 file on CPU.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def has_onnx(path: str | Path) -> bool:
    return (Path(path) / INT8_FILE).is_file()


def export_onnx(model_dir: str | Path, *, quantize: bool = True, keep_fp32: bool = True) -> Path:
    """Export a saved stance model to ONNX (and int8) inside its directory; returns the int8 (or fp32) path.

    >>> export_onnx("models/default")   # doctest: +SKIP
    PosixPath('models/default/model.int8.onnx')
    """
    import torch

    from .data import Example
    from .inputs import encode
    from .modeling import StanceModel

    model_dir = Path(model_dir)
    model = StanceModel.from_pretrained(model_dir, device="cpu", backend="torch")
    # Plain attention exports to a graph ONNX Runtime runs ~10% faster than SDPA's (no IsNaN/Where guards).
    model.model.set_attn_implementation("eager")
    enc = encode(model.tokenizer, [Example("Acme said it would not sell the software.", "Acme", "a topic",
                                           mention=(0, 4))], model.settings.template,
                 max_length=model.settings.max_length)
    names = [n for n in INPUTS if n in enc.features]
    with tempfile.TemporaryDirectory(dir=model_dir) as tmp:
        fp32 = Path(tmp) / FP32_FILE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model.model.eval(), tuple(enc.features[n] for n in names), str(fp32), input_names=names,
                output_names=["logits"], opset_version=17, dynamo=False,
                dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in names}, "logits": {0: "batch"}})
        written = []
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            int8 = Path(tmp) / INT8_FILE
            # MatMuls only (the pooler's and classifier's Gemm become MatMuls here): int8 embedding tables (Gather)
            # save no time and only add error (98.1% vs 97.4% of corpus test labels as fp32).
            quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8,
                             op_types_to_quantize=["MatMul"])
            written.append(int8)
        if keep_fp32 or not quantize:
            written.append(fp32)
        for f in written:  # each file appears whole or not at all
            os.replace(f, model_dir / f.name)
    log.info("exported %s", ", ".join(f.name for f in written))
    return model_dir / (INT8_FILE if quantize else FP32_FILE)


RECHECK_MARGIN = 0.15
"""Top-two probability margin under which an int8 prediction is recomputed in fp32 (see :class:`OnnxSession`)."""


class OnnxSession:
    """An ONNX Runtime session over a model directory's exported file.

    ``logits`` runs the int8 file (or the fp32 one with ``quantized=False``); ``exact_logits`` runs the fp32 file,
    opened on first use. :meth:`stance.StanceModel.predict_proba` recomputes with ``exact_logits`` the
    predictions whose two most probable labels lie within ``recheck_margin`` of each other: int8 alone gives the
    fp32 label on ~97-98% of news sentence pairs, nearly all of its flips are such near ties, and rechecking them
    (about 5-7% of pairs, in batches of their own) costs far less than running fp32 throughout
    (``benchmarks/RESULTS.md``). ``recheck_margin=0``, or a directory exported without the fp32 file, turns it off.
    """

    def __init__(self, path: str | Path, *, quantized: bool = True, threads: int | None = None,
                 recheck_margin: float = RECHECK_MARGIN):
        path = Path(path)
        self.file = path / (INT8_FILE if quantized else FP32_FILE)
        self.threads = threads
        self.session = self._open(self.file)
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.recheck_margin = recheck_margin if quantized and (path / FP32_FILE).is_file() else 0.0
        self._fp32_file, self._fp32 = path / FP32_FILE, (None if quantized else self.session)
        self.rechecked = self.seen = 0  # pairs recomputed in fp32 / pairs run, for benchmarks

    def _open(self, f: Path):
        import onnxruntime as ort
        import torch

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = self.threads or torch.get_num_threads()
        return ort.InferenceSession(str(f), opts, providers=["CPUExecutionProvider"])

    def logits(self, features: dict[str, Any]) -> np.ndarray:
        out = self.session.run(["logits"], self._feed(features))[0]
        self.seen += len(out)
        return out

    def exact_logits(self, features: dict[str, Any]) -> np.ndarray:
        if self._fp32 is None:
            self._fp32 = self._open(self._fp32_file)
        out = self._fp32.run(["logits"], self._feed(features))[0]
        self.rechecked += len(out)
        return out

    def _feed(self, features: dict[str, Any]) -> dict[str, np.ndarray]:
        return {n: np.asarray(features[n], dtype=np.int64) for n in self.inputs}
