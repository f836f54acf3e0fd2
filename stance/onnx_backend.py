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
            quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)
            written.append(int8)
        if keep_fp32 or not quantize:
            written.append(fp32)
        for f in written:  # each file appears whole or not at all
            os.replace(f, model_dir / f.name)
    log.info("exported %s", ", ".join(f.name for f in written))
    return model_dir / (INT8_FILE if quantize else FP32_FILE)


class OnnxSession:
    """An ONNX Runtime session over a model directory's exported file."""

    def __init__(self, path: str | Path, *, quantized: bool = True, threads: int | None = None):
        import onnxruntime as ort
        import torch

        f = Path(path) / (INT8_FILE if quantized else FP32_FILE)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads or torch.get_num_threads()
        self.session = ort.InferenceSession(str(f), opts, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.file = f

    def logits(self, features: dict[str, Any]) -> np.ndarray:
        feed = {n: np.asarray(features[n], dtype=np.int64) for n in self.inputs}
        return self.session.run(["logits"], feed)[0]
