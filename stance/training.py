"""Fine-tuning: examples in, a trained :class:`~stance.modeling.StanceModel` out.

One flat loop: class-weighted cross-entropy, AdamW with linear warm-up and decay, length-bucketed batches,
topic dropout (so the model reads inputs with and without the topic), bf16 autocast on CPUs that have bf16
instructions (``TrainConfig.precision``), evaluation on dev after each epoch,
the best epoch by dev macro-F1 kept (or, with ``average_epochs``, the average of the best epochs' weights),
early stopping. With ``teachers`` (opt-in), models of other seeds are trained first and the model learns from their
averaged probabilities as well as from the labels (ensemble distillation: one model's inference cost).
Seeded: the same data and seed give the same weights.
Runs on CUDA when there is one. After training, the aggregation rule is tuned on the dev articles
(:mod:`stance.aggregate`) and test figures are recorded in the model's settings.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import TrainConfig
from .data import Example, StanceData, build
from .errors import ModelFormatError
from .inputs import InputTemplate, encode
from .metrics import classification_scores
from .modeling import StanceModel, default_base
from .progress import progress_bar

log = logging.getLogger(__name__)


def train(data: StanceData | str | Path | Sequence[str | Path], *, base: str | Path | None = None,
          init: str | Path | None = None, config: TrainConfig | None = None,
          template: InputTemplate | None = None, device: str | None = None, progress: bool = True,
          evaluate_test: bool = True, tune_aggregation: bool = True) -> StanceModel:
    """Fine-tune a stance model on annotated data.

    ``base`` is a local Hugging Face encoder directory (default: the packaged all-MiniLM-L6-v2); ``init`` an
    existing stance model to continue from (retraining on new annotations). Returns the model of the best epoch.

    >>> model = train("stance/corpus", config=TrainConfig(epochs=3))   # doctest: +SKIP
    >>> model.save_pretrained("models/mine")                          # doctest: +SKIP
    """
    import torch

    config = config or TrainConfig()
    if not isinstance(data, StanceData):
        data = build(data)
    if not data.examples["train"]:
        raise ValueError("no training examples: the annotations have no sentence labels in the train split "
                         f"(counts: {data.summary.examples})")
    soft, teachers = None, None
    if config.teachers:
        soft, teachers = _teach(data, base=base, init=init, config=config, template=template, device=device,
                                progress=progress)
    seed_everything(config.seed)
    if init is not None:
        model = StanceModel.from_pretrained(init, device=device, backend="torch")
        if model.labels != list(data.labels):
            raise ModelFormatError(f"{init}: the model's labels {model.labels} differ from the data's "
                                   f"{list(data.labels)}; train from the base encoder instead")
        if template is not None:
            model.settings.template = template
        model.settings.max_length = config.max_length
    else:
        model = StanceModel.from_base(base or default_base(), data.labels, template=template,
                                      max_length=config.max_length, device=device)
    seed_everything(config.seed)  # the fresh head's initialisation must not shift the data order
    started = time.time()
    history, averaged = _fit(model, data.examples["train"], data.examples["dev"], config, progress, soft)
    settings = model.settings
    settings.training = {
        **config.to_dict(), "init": str(init) if init else None, "epochs_run": len(history),
        "best_epoch": max(history, key=lambda h: h["dev_macro_f1"])["epoch"] if history and data.examples["dev"]
        else len(history), "history": history, "seconds": round(time.time() - started, 1),
        "device": model.device.type, "bf16": use_bf16(config.precision, model.device),
        **({"averaged": averaged} if averaged else {}), **({"distilled": teachers} if teachers else {}),
    }
    settings.data = {"fingerprint": data.fingerprint, "counts": data.summary.examples,
                     "articles": data.summary.articles}
    settings.aliases = _aliases(data)
    settings.metrics = {}  # figures of an --init model describe other weights
    if tune_aggregation and data.articles["dev"]:
        from .aggregate import tune

        settings.aggregation = tune(model, data.articles["dev"], progress=progress)
    if evaluate_test:
        from .evaluation import evaluate

        for split in ("dev", "test"):
            if data.examples[split]:  # baselines beside the test figures, for the model card
                report = evaluate(model, data, split=split, baselines=(split == "test"), progress=progress)
                settings.metrics[split] = report.summary()
    return model


def _teach(data: StanceData, *, base, init, config: TrainConfig, template, device, progress: bool):
    """Train ``config.teachers`` models (seeds ``seed + 1``, ...); their mean train probabilities and a record.

    The probabilities come as a pair of arrays, the inputs with their topic and without it, since topic dropout
    shows the student both. The record has each teacher's seed and best dev macro-F1 and the dev macro-F1 of their
    averaged probabilities (the ensemble the student learns from).
    """
    train_ex, dev_ex = data.examples["train"], data.examples["dev"]
    sums = {name: np.zeros((len(exs), len(data.labels))) for name, exs in (("train", train_ex), ("dev", dev_ex))}
    sums_plain = {name: np.zeros_like(a) for name, a in sums.items()}
    record: dict = {"seeds": [], "dev_macro_f1": [], "distill_weight": config.distill_weight}
    started = time.time()
    for k in progress_bar(range(1, config.teachers + 1), enabled=progress, desc="teachers", unit="model"):
        seed = config.seed + k
        log.info("teacher %d of %d (seed %d)", k, config.teachers, seed)
        teacher = train(data, base=base, init=init, config=replace(config, seed=seed, teachers=0), template=template,
                        device=device, progress=progress, evaluate_test=False, tune_aggregation=False)
        for name, exs in (("train", train_ex), ("dev", dev_ex)):
            p_topic, p_plain = _proba_with_and_without_topic(teacher, exs, config.eval_batch_size,
                                                             progress=progress and name == "train")
            sums[name] += p_topic
            sums_plain[name] += p_topic if p_plain is None else p_plain
        t = teacher.settings.training
        best = (t.get("averaged") or {}).get("dev_macro_f1") or max(
            (h["dev_macro_f1"] for h in t["history"] if "dev_macro_f1" in h), default=None)
        record["seeds"].append(seed)
        record["dev_macro_f1"].append(best)
        del teacher
        _free_memory()
    record["seconds"] = round(time.time() - started, 1)
    n = config.teachers
    if dev_ex:
        has_topic = any(e.topic for e in dev_ex)
        record["ensemble_dev_macro_f1"] = _score_dev([e.label for e in dev_ex], sums["dev"] / n,
                                                     sums_plain["dev"] / n if has_topic else None,
                                                     list(data.labels))["dev_macro_f1"]
        log.info("teachers' dev macro-F1 %s; their average %.4f", record["dev_macro_f1"],
                 record["ensemble_dev_macro_f1"])
    return (sums["train"] / n, sums_plain["train"] / n), record


def _free_memory() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _soft_rows(soft: tuple[np.ndarray, np.ndarray], dropped: list[bool], idx: list[int], owner: list[int]):
    """The teachers' probabilities for a batch's rows: row r is window of example ``idx[owner[r]]``, read without
    its topic where the topic was dropped this epoch."""
    return np.stack([soft[1][i] if dropped[i] else soft[0][i] for i in (idx[o] for o in owner)])


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def _fit(model: StanceModel, train_ex: list[Example], dev_ex: list[Example], config: TrainConfig,
         progress: bool, soft: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[list[dict], dict | None]:
    """Train; leave the net with the best epoch's weights (or their average); the history and the average's record.

    ``soft``: the teachers' probabilities of each train example with its topic and without it (see :func:`_teach`).
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    net, device = model.model, model.device
    label_id = {lab: i for i, lab in enumerate(model.labels)}
    weights = _class_weights([label_id[e.label] for e in train_ex], len(label_id)) if config.class_weights else None
    loss_fn = torch.nn.CrossEntropyLoss(weight=None if weights is None else weights.to(device),
                                        label_smoothing=config.label_smoothing)
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    groups = [
        {"params": [p for n, p in net.named_parameters() if not any(k in n for k in no_decay)],
         "weight_decay": config.weight_decay},
        {"params": [p for n, p in net.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate)
    steps_per_epoch = -(-len(train_ex) // config.batch_size)
    total = steps_per_epoch * config.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total), total)
    rng = random.Random(config.seed)
    bf16 = use_bf16(config.precision, device)
    best_f1, best_state, stale, history = -1.0, None, 0, []
    states: dict[int, dict] = {}  # every epoch's weights, on the CPU, when they are to be averaged

    for epoch in range(1, config.epochs + 1):
        net.train()
        dropped = [bool(e.topic) and rng.random() < config.topic_dropout for e in train_ex]
        epoch_ex = [replace(e, topic=None) if d else e for e, d in zip(train_ex, dropped)]
        batches = _shuffled_length_batches(epoch_ex, config.batch_size, rng)
        losses = []
        bar = progress_bar(batches, enabled=progress, desc=f"epoch {epoch}/{config.epochs}", unit="batch")
        for idx in bar:
            exs = [epoch_ex[i] for i in idx]
            enc = encode(model.tokenizer, exs, model.settings.template, max_length=config.max_length)
            labels = torch.tensor([label_id[exs[o].label] for o in enc.owner], device=device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                logits = net(**{k: v.to(device) for k, v in enc.features.items()}).logits
            loss = loss_fn(logits.float(), labels)
            if soft is not None:  # KL to the teachers: their cross-entropy's gradient, and 0 when matched
                target = torch.tensor(_soft_rows(soft, dropped, idx, enc.owner), dtype=torch.float32, device=device)
                log_target = torch.log(target.clamp_min(1e-12))
                soft_loss = (target * (log_target - torch.log_softmax(logits.float(), dim=-1))).sum(dim=-1).mean()
                loss = (1 - config.distill_weight) * loss + config.distill_weight * soft_loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), config.max_grad_norm)
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        net.eval()
        record = {"epoch": epoch, "train_loss": round(float(np.mean(losses)), 4)}
        if dev_ex:
            record.update(_dev_scores(model, dev_ex, config))
            log.info("epoch %d: loss %.4f, dev macro-F1 %.4f", epoch, record["train_loss"], record["dev_macro_f1"])
            if config.average_epochs:
                states[epoch] = {k: v.detach().to("cpu", copy=True) for k, v in net.state_dict().items()}
            if record["dev_macro_f1"] > best_f1:
                best_f1, stale = record["dev_macro_f1"], 0
                best_state = states[epoch] if config.average_epochs else copy.deepcopy(net.state_dict())
            else:
                stale += 1
        history.append(record)
        if dev_ex and stale >= config.patience:
            log.info("early stop after epoch %d (no better dev macro-F1 for %d epochs)", epoch, stale)
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    averaged = _greedy_average(model, states, history, dev_ex, config) if len(states) > 1 else None
    net.eval()
    return history, averaged


def _greedy_average(model: StanceModel, states: dict[int, dict], history: list[dict], dev_ex: list[Example],
                    config: TrainConfig) -> dict:
    """Greedy soup over one run's epochs (Wortsman et al. 2022): from the best epoch, add the next best epoch's
    weights to a uniform average while dev macro-F1 does not drop. Leaves the net with the chosen weights."""
    ranked = [h["epoch"] for h in sorted(history, key=lambda h: -h["dev_macro_f1"]) if h["epoch"] in states]
    chosen, best, weights = [ranked[0]], max(h["dev_macro_f1"] for h in history), states[ranked[0]]
    for epoch in ranked[1:]:
        trial = _mean_state([states[e] for e in chosen + [epoch]])
        model.model.load_state_dict(trial)
        score = _dev_scores(model, dev_ex, config)["dev_macro_f1"]
        if score >= best:
            chosen, best, weights = chosen + [epoch], score, trial
    model.model.load_state_dict(weights)
    log.info("averaged the weights of epochs %s: dev macro-F1 %.4f", sorted(chosen), best)
    return {"epochs": sorted(chosen), "dev_macro_f1": round(best, 4)}


def _mean_state(states: list[dict]) -> dict:
    """The uniform average of state dicts (integer buffers taken from the first)."""
    return {k: (sum(s[k].double() for s in states) / len(states)).to(v.dtype) if v.is_floating_point() else v
            for k, v in states[0].items()}


def use_bf16(precision: str, device) -> bool:
    """Whether training runs under bf16 autocast: asked for, or "auto" on a CPU with native bf16 instructions.

    On such CPUs (AVX512-BF16 or AMX) bf16 autocast trains about twice as fast as fp32 with the same dev scores
    (benchmarks/RESULTS.md); elsewhere it would be emulated and slow, so "auto" keeps fp32 (and on CUDA).
    """
    import torch

    if precision == "fp32":
        return False
    if precision == "bf16":
        return True
    if torch.device(device).type != "cpu":
        return False
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private, so looked up with care
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def _dev_scores(model: StanceModel, dev_ex: list[Example], config: TrainConfig) -> dict:
    """Dev macro-F1 with the topic and without it; their mean picks the best epoch."""
    return _score_dev([e.label for e in dev_ex], *_proba_with_and_without_topic(model, dev_ex, config.eval_batch_size),
                      model.labels)


def _proba_with_and_without_topic(model: StanceModel, exs: list[Example], batch_size: int, progress: bool = False):
    """Probabilities of the examples as given and with no topic (None when no example has a topic)."""
    if not exs:
        return np.zeros((0, len(model.labels))), None
    p_topic = model.predict_proba(exs, batch_size=batch_size, progress=progress)
    if not any(e.topic for e in exs):
        return p_topic, None
    return p_topic, model.predict_proba([replace(e, topic=None) for e in exs], batch_size=batch_size,
                                        progress=progress)


def _score_dev(gold: list[str], p_topic: np.ndarray, p_plain: np.ndarray | None, labels: list[str]) -> dict:
    def predicted(p):
        return [labels[i] for i in p.argmax(axis=1)]

    with_topic = classification_scores(gold, predicted(p_topic), labels)
    scores = {"dev_accuracy": round(with_topic["accuracy"], 4), "dev_macro_f1_topic": round(with_topic["macro_f1"], 4)}
    if p_plain is not None:
        no_topic = classification_scores(gold, predicted(p_plain), labels)
        scores["dev_macro_f1_no_topic"] = round(no_topic["macro_f1"], 4)
        scores["dev_macro_f1"] = round((with_topic["macro_f1"] + no_topic["macro_f1"]) / 2, 4)
    else:
        scores["dev_macro_f1"] = scores["dev_macro_f1_topic"]
    return scores


def _class_weights(label_ids: list[int], n: int):
    import torch

    counts = np.bincount(label_ids, minlength=n).astype(np.float64)
    weights = np.where(counts > 0, counts.sum() / (n * np.maximum(counts, 1)), 0.0)
    return torch.tensor(weights, dtype=torch.float32)


def _shuffled_length_batches(exs: list[Example], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort by length within chunks of 50 batches, cut into batches, shuffle the batches."""
    order = list(range(len(exs)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i:i + chunk], key=lambda j: len(exs[j].sentence) + len(exs[j].context))
        batches += [part[k:k + batch_size] for k in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def _aliases(data: StanceData) -> dict[str, list[str]]:
    """Company aliases seen in the training annotations (used by the pipeline to find companies)."""
    out: dict[str, set[str]] = {}
    for a in data.articles["train"] + data.articles["dev"]:
        for company, names in a.aliases.items():
            out.setdefault(company, set()).update(n for n in names if n[:1].isupper())
    return {c: sorted(n) for c, n in sorted(out.items())}
