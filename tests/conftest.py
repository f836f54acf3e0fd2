"""Shared fixtures: a tiny random BERT built in the test (no network), small annotation files, seeding."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"            # an accidental hub id fails fast
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["STANCE_NO_PROGRESS"] = "1"

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
FACIAL = ROOT / "stance" / "examples" / "facial_recognition.txt"


def pytest_collection_modifyitems(config, items):
    import torch

    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="needs a CUDA device")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _seed():
    import random

    import numpy as np
    import torch

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+|[^\sa-z]", text.lower())


def make_tiny_bert(path: Path, texts: list[str]) -> Path:
    """A random 2-layer BERT with a vocabulary of the given texts' words, saved as a HF model directory."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    words = sorted({w for t in texts for w in _words(t)} | set(letters) | set("0123456789.,:;!?'\"()[]<>-$%&/"))
    vocab = special + words + ["##" + x for x in letters]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab_file=str(path / "vocab.txt"), do_lower_case=True)
    tok.save_pretrained(str(path))
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=512)
    BertForSequenceClassification(config).save_pretrained(str(path))
    return path


def tiny_articles() -> list[dict]:
    """A small, valid annotation set: enough articles that every split gets some."""
    companies = ["Acme", "Borlan", "Cortexa", "Delvin", "Everly", "Fintra"]
    verbs = {"favor": "strongly supports", "against": "firmly opposes", "neutral": "was mentioned alongside"}
    topics = ["selling facial recognition to police", "a national carbon tax"]
    arts = []
    for i in range(60):
        a, b = companies[i % 6], companies[(i + 1) % 6]
        la, lb = ("favor", "against", "neutral")[i % 3], ("against", "neutral", "favor")[i % 3]
        s1 = f"{a} {verbs[la]} the plan, its spokesperson said on day {i}."
        s2 = f"Separately, {b} {verbs[lb]} the measure."
        s3 = "Analysts expect a vote next month."
        arts.append({"id": f"tiny-{i:04d}", "topic": topics[i % 2], "title": f"Story {i}",
                     "text": f"{s1} {s2} {s3}", "positions": {a: la, b: lb},
                     "sentences": [{"text": s1, "company": a, "label": la},
                                   {"text": s2, "company": b, "label": lb}]})
    return arts


@pytest.fixture(scope="session")
def tiny_jsonl(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ann") / "tiny.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in tiny_articles()))
    return path


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    texts = [a["text"] + " " + a["topic"] for a in tiny_articles()] + [FACIAL.read_text()]
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), texts)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_jsonl, tiny_base) -> Path:
    """A stance model trained for two epochs on the tiny data with the tiny BERT, saved."""
    from stance import TrainConfig, train

    model = train(tiny_jsonl, base=tiny_base, config=TrainConfig(epochs=2, batch_size=8, learning_rate=1e-3),
                  progress=False)
    return model.save_pretrained(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def real_base() -> Path:
    from stance.modeling import default_base

    return default_base()
