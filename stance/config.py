"""Training settings: a frozen dataclass, validated on creation and saved beside the weights."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class TrainConfig:
    """How :func:`stance.train` fine-tunes.

    >>> TrainConfig(epochs=0)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be >= 1, got 0
    """

    epochs: int = 4             # the sweep's best epochs were 3-4 at learning rate 1e-4
    learning_rate: float = 1e-4  # chosen on the corpus dev split with the input template (benchmarks/RESULTS.md)
    batch_size: int = 16
    eval_batch_size: int = 64
    max_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    patience: int = 2           # epochs without a better dev macro-F1 before stopping
    class_weights: bool = True  # weight the loss by inverse label frequency
    topic_dropout: float = 0.5  # share of examples seen without their topic each epoch, so both inputs are trained
    label_smoothing: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 13
    average_epochs: bool = False  # greedy soup: average the best epochs' weights while dev macro-F1 does not drop
    teachers: int = 0           # > 0: first train this many models (seeds seed+1...), distil their mean probabilities
    distill_weight: float = 0.5  # loss = (1 - w) * class-weighted CE(labels) + w * KL(teachers' mean || model)
    precision: str = "auto"     # "auto": bf16 autocast on CPUs with native bf16 (about 2x faster), else fp32

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "eval_batch_size", "patience"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 16 <= self.max_length <= 512:
            raise ValueError(f"max_length must be between 16 and 512, got {self.max_length}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"learning_rate must be between 0 and 1, got {self.learning_rate}")
        for name in ("warmup_ratio", "topic_dropout", "label_smoothing"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.teachers < 0 or not 0 <= self.distill_weight <= 1:
            raise ValueError(f"teachers must be >= 0 and distill_weight in [0, 1], got {self.teachers}, "
                             f"{self.distill_weight}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.weight_decay < 0 or self.max_grad_norm <= 0:
            raise ValueError(f"weight_decay must be >= 0 and max_grad_norm > 0, got {self.weight_decay}, "
                             f"{self.max_grad_norm}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
