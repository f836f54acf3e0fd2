"""stance: where does each company stand? Company-level stance detection for news articles.

>>> import stance
>>> result = stance.classify("Acme Corp. said it would not sell face recognition to police.")  # doctest: +SKIP
>>> [(p.company, p.label) for p in result.positions]                                            # doctest: +SKIP
[('Acme', 'against')]

Heavy modules (torch, transformers, spaCy) load on first use, so ``import stance`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "classify": "pipeline", "classify_many": "pipeline", "ArticleResult": "results", "Position": "results",
    "Evidence": "results", "StanceModel": "modeling", "ModelSettings": "modeling", "TrainConfig": "config",
    "train": "training", "build": "data", "Example": "data", "StanceData": "data", "split_of": "data",
    "read_annotations": "annotations", "Article": "annotations", "InputTemplate": "inputs",
    "evaluate": "evaluation", "EvaluationReport": "evaluation", "AnnotationError": "errors",
    "ModelFormatError": "errors", "StanceError": "errors", "split_sentences": "sentences",
    "CompanyFinder": "companies", "export_onnx": "onnx_backend",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stance' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
