"""The public API: every name in stance.__all__ imports, and `import stance` stays light."""

from __future__ import annotations

import subprocess
import sys

import stance


def test_every_public_name_imports():
    for name in stance.__all__:
        assert getattr(stance, name) is not None, name
    assert set(stance.__all__) >= {"classify", "classify_many", "train", "build", "evaluate", "StanceModel",
                                   "TrainConfig", "ArticleResult", "AnnotationError"}


def test_import_does_not_load_torch_or_spacy():
    code = "import sys, stance; print('torch' in sys.modules, 'spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
