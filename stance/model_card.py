"""The README.md model card written into every model directory, with its settings and evaluation."""

from __future__ import annotations

import json


def render_card(settings) -> str:
    """Markdown: what the model is, how it was trained, on what, and how well it does."""
    t = settings.training or {}
    lines = [
        "---",
        "library_name: stance",
        "tags: [stance-detection, text-classification, news]",
        "---",
        "",
        "# stance model",
        "",
        "Labels each company's position in a news article on the article's issue "
        f"({', '.join(settings.labels)}). Load it with `stance.StanceModel.from_pretrained(path)` or "
        "`stance classify --model PATH`.",
        "",
        "## Model",
        "",
        f"- base encoder: {settings.base_model or 'unknown'}",
        f"- input template: `{json.dumps(settings.template.to_dict())}`, max length {settings.max_length} tokens",
        f"- aggregation to company level: `{json.dumps(settings.aggregation)}`",
        f"- stance format version {settings.format_version}, written by stance {settings.stance_version}",
        "",
    ]
    if t:
        lines += [
            "## Training",
            "",
            f"- data fingerprint `{settings.data.get('fingerprint', '?')}`; examples per split "
            f"{settings.data.get('counts', {})}; articles {settings.data.get('articles', {})}",
            f"- epochs run {t.get('epochs_run')} (best {t.get('best_epoch')}), learning rate {t.get('learning_rate')}, "
            f"batch size {t.get('batch_size')}, seed {t.get('seed')}, topic dropout {t.get('topic_dropout')}, "
            f"class-weighted loss {t.get('class_weights')}, initialised from {t.get('init') or 'the base encoder'}",
            f"- {t.get('seconds')} s on {t.get('device')}",
            *([f"- weights: the average of epochs {t['averaged']['epochs']} (dev macro-F1 "
               f"{t['averaged']['dev_macro_f1']})"] if t.get("averaged") else []),
            *([_distilled(t["distilled"])] if t.get("distilled") else []),
            "",
            "| epoch | train loss | dev macro-F1 (mean of with/without topic) |",
            "|---|---|---|",
            *[f"| {h['epoch']} | {h['train_loss']} | {h.get('dev_macro_f1', '-')} |" for h in t.get("history", [])],
            "",
        ]
    if settings.metrics:
        lines += ["## Evaluation", "",
                  "Examples are (sentence, company) pairs; companies are (article, company) positions through the "
                  "article pipeline with the annotated companies given. `majority` and `tfidf_lr` (TF-IDF + logistic "
                  "regression) are baselines trained on the same train split; `*_no_topic` rows read no topic.",
                  "", "| split | level | system | n | accuracy | macro-F1 | F_avg |", "|---|---|---|---|---|---|---|"]
        for split, figures in settings.metrics.items():
            for key, s in figures.items():
                level, system = key.split("/", 1)
                f = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
                lines.append(f"| {split} | {level} | {system} | {s.get('n')} | {f(s.get('accuracy'))} | "
                             f"{f(s.get('macro_f1'))} | {f(s.get('f_avg'))} |")
        lines.append("")
    lines += ["## Limits", "",
              "Trained on the annotations named above; positions are read from the text as reported, not verified. "
              "Check the evidence sentences before relying on a label.", ""]
    return "\n".join(lines)


def _distilled(d: dict) -> str:
    dev = (f", dev macro-F1 {d['dev_macro_f1']}; of their averaged probabilities {d.get('ensemble_dev_macro_f1')}"
           if d.get("ensemble_dev_macro_f1") is not None else "")
    n = len(d["seeds"])
    return (f"- distilled from {n} teacher{'s' * (n != 1)} (seeds {d['seeds']}{dev}), weight {d.get('distill_weight')} "
            f"on their probabilities; the teachers took {d.get('seconds', '?')} s more")
