"""The one preprocessing path: (sentence, company, topic) examples to model inputs.

Training, inference and evaluation all call :func:`encode`, so a model always sees its inputs in the form it was
trained on. The form (which side comes first, how the company's mention is marked, whether the topic and the
previous sentence are included) is an :class:`InputTemplate`, saved in the model directory. A sentence longer
than the model's limit is split into overlapping windows (never cut); :func:`encode` says which window belongs to
which example.
"""

from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass
from typing import Any, Iterator, Sequence

from .data import Example

ORDERS = ("target_first", "sentence_first")
MARKERS = {"none": ("", ""), "brackets": ("[", "]"), "angle": ("<<", ">>")}
BATCH_SIZE = 16
"""Examples per inference batch. Small length-sorted batches are fastest on CPU: at 64 pairs of ~70 tokens the
activations outgrow the cache (ONNX int8 ~430 pairs/s at 64, ~570 at 16; benchmarks/RESULTS.md)."""


@dataclass(frozen=True)
class InputTemplate:
    """How an example becomes a text pair.

    >>> t = InputTemplate()
    >>> t.pair(Example("Acme will not sell it.", "Acme", "selling X", mention=(0, 4)))
    ('[Acme] will not sell it.', 'Acme: selling X')
    """

    order: str = "sentence_first"  # chosen on the corpus dev split (benchmarks/RESULTS.md)
    marker: str = "brackets"
    topic: bool = True
    context: bool = False

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise ValueError(f"order must be one of {list(ORDERS)}, got {self.order!r}")
        if self.marker not in MARKERS:
            raise ValueError(f"marker must be one of {list(MARKERS)}, got {self.marker!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "InputTemplate":
        return cls(**d)

    def target(self, ex: Example) -> str:
        """The target side: the company, and the topic when known and wanted."""
        topic = (ex.topic or "").strip()
        if self.topic and topic and topic.casefold() != ex.company.casefold():
            return f"{ex.company}: {topic}"
        return ex.company

    def sentence(self, ex: Example) -> str:
        """The sentence side: the sentence with the mention marked, after the previous sentence if wanted."""
        left, right = MARKERS[self.marker]
        text = ex.sentence
        if ex.mention is not None and left:
            a, b = ex.mention
            text = f"{text[:a]}{left}{text[a:b]}{right}{text[b:]}"
        if self.context and ex.context:
            text = f"{ex.context} {text}"
        return text

    def pair(self, ex: Example) -> tuple[str, str]:
        """The (first, second) texts given to the tokenizer."""
        t, s = self.target(ex), self.sentence(ex)
        return (t, s) if self.order == "target_first" else (s, t)


@dataclass
class Encoded:
    """Tokenized windows of a batch of examples; ``owner[i]`` is the example index of window ``i``."""

    features: dict[str, Any]
    owner: list[int]


def encode(tokenizer, examples: Sequence[Example], template: InputTemplate, *, max_length: int,
           stride: int = 32, padding: bool | str = True, return_tensors: str | None = "pt") -> Encoded:
    """Tokenize examples in one tokenizer call, padded to the longest in the batch, long sentences windowed.

    >>> enc = encode(tok, [Example("Acme sues.", "Acme")], InputTemplate(), max_length=128)  # doctest: +SKIP
    """
    firsts, seconds = zip(*(template.pair(ex) for ex in examples)) if examples else ((), ())
    truncation = "only_second" if template.order == "target_first" else "only_first"
    targets = seconds if template.order == "sentence_first" else firsts
    longest = max(map(len, targets), default=0)  # characters: an upper bound on the target's tokens
    if max_length - longest - 3 <= 2 * stride:  # a long company + topic: count its tokens exactly
        longest = max(target_tokens(tokenizer, targets))
    room = max_length - longest - 3  # tokens left for the sentence beside the target and the special tokens
    if room < 8:
        raise ValueError(f"max_length {max_length} leaves {room} tokens for the sentence beside a {longest}-token "
                         "company and topic; raise max_length or shorten the topic")
    enc = tokenizer(list(firsts), list(seconds), truncation=truncation, max_length=max_length,
                    stride=min(stride, room // 2), return_overflowing_tokens=True, padding=padding,
                    return_tensors=return_tensors)
    owner = [int(i) for i in enc.pop("overflow_to_sample_mapping")]
    return Encoded(dict(enc), owner)


_TOKEN_COUNTS: "weakref.WeakKeyDictionary[Any, dict[str, int]]" = weakref.WeakKeyDictionary()


def target_tokens(tokenizer, targets: Sequence[str]) -> list[int]:
    """Token counts of the targets (no special tokens), remembered per tokenizer: an article's company and topic
    recur in every batch, so each distinct target is tokenized once."""
    cache = _TOKEN_COUNTS.setdefault(tokenizer, {})
    if len(cache) > 100_000:  # bounded: a long-running service sees endless companies
        cache.clear()
    missing = list(dict.fromkeys(t for t in targets if t not in cache))
    if missing:
        cache.update(zip(missing, map(len, tokenizer(missing, add_special_tokens=False)["input_ids"])))
    return [cache[t] for t in targets]


def length_batches(examples: Sequence[Example], batch_size: int) -> Iterator[list[int]]:
    """Indices of examples in batches of similar length (longest first), so padding per batch stays small."""
    order = sorted(range(len(examples)), key=lambda i: -(len(examples[i].sentence) + len(examples[i].context)))
    for i in range(0, len(order), batch_size):
        yield order[i:i + batch_size]
