"""What :func:`stance.classify` returns: an article's positions, each with its confidence and evidence."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """A sentence about a company; ``text == article_text[start:end]``."""

    text: str
    start: int
    end: int
    label: str
    probs: dict[str, float]


@dataclass(frozen=True)
class Position:
    """One company's position in the article, aggregated from its sentences (evidence, strongest first)."""

    company: str
    label: str
    score: float
    probs: dict[str, float]
    mentions: int
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ArticleResult:
    """The positions of every company an article names, in order of first mention."""

    positions: tuple[Position, ...] = ()
    topic: str | None = None
    id: str | None = None
    labels: tuple[str, ...] = field(default=())

    def __getitem__(self, company: str) -> Position:
        for p in self.positions:
            if p.company == company:
                return p
        raise KeyError(f"{company!r} is not among the companies found: {[p.company for p in self.positions]}")

    def __len__(self) -> int:
        return len(self.positions)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ArticleResult":
        positions = tuple(
            Position(**{**p, "evidence": tuple(Evidence(**e) for e in p.get("evidence", ()))})
            for p in d.get("positions", ())
        )
        return cls(positions, d.get("topic"), d.get("id"), tuple(d.get("labels", ())))

    @classmethod
    def from_json(cls, s: str) -> "ArticleResult":
        return cls.from_dict(json.loads(s))
