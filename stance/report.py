"""Render an :class:`~stance.evaluation.EvaluationReport`: terminal text, Markdown, and PNG plots."""

from __future__ import annotations

from pathlib import Path

LEVELS = (("examples", "Examples (sentence, company)"), ("companies", "Companies (article, company)"))


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def _ci(s: dict, metric: str) -> str:
    lo, hi = s.get("ci95", {}).get(metric, (None, None))
    return "" if lo is None else f"[{lo:.3f}, {hi:.3f}]"


def _rows(systems: dict) -> list[list[str]]:
    return [[name, str(s["n"]), _fmt(s["accuracy"]), _ci(s, "accuracy"), _fmt(s["macro_f1"]), _ci(s, "macro_f1"),
             _fmt(s.get("f_avg"))] for name, s in systems.items()]


HEAD = ["system", "n", "accuracy", "95% CI", "macro-F1", "95% CI", "F_avg"]


def render_markdown(report) -> str:
    """Markdown tables of both levels (for model cards and RESULTS.md)."""
    out = []
    for level, title in LEVELS:
        systems = getattr(report, level)
        if not systems:
            continue
        out += [f"**{title}**, split `{report.split}`", "", "| " + " | ".join(HEAD) + " |",
                "|" + "---|" * len(HEAD)]
        out += ["| " + " | ".join(r) + " |" for r in _rows(systems)]
        stance = systems.get("stance")
        if stance:
            out += ["", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
            out += [f"| {lab} | {_fmt(v['precision'])} | {_fmt(v['recall'])} | {_fmt(v['f1'])} | {v['support']} |"
                    for lab, v in stance["per_label"].items()]
        out.append("")
    out += [f"_{n}_" for n in report.notes]
    return "\n".join(out).rstrip() + "\n"


def render_text(report) -> str:
    """A readable terminal report: both levels, per-label figures, confusion, calibration, worst errors."""
    out = [f"model: {report.model or '(in memory)'}   split: {report.split}   labels: {', '.join(report.labels)}"]
    for level, title in LEVELS:
        systems = getattr(report, level)
        if not systems:
            continue
        out += ["", title, _table([HEAD, *_rows(systems)])]
        s = systems.get("stance")
        if not s:
            continue
        out += ["", _table([["label", "precision", "recall", "F1", "support"],
                            *[[lab, _fmt(v["precision"]), _fmt(v["recall"]), _fmt(v["f1"]), str(v["support"])]
                              for lab, v in s["per_label"].items()]])]
        labels = s["labels"]
        out += ["", "confusion (rows gold, columns predicted)",
                _table([["", *labels], *[[lab, *map(str, row)] for lab, row in zip(labels, s["confusion"])]])]
        out += ["", "per topic", _table([["topic", "n", "accuracy", "macro-F1"],
                                         *[[k[:50], str(v["n"]), _fmt(v["accuracy"]), _fmt(v["macro_f1"])]
                                           for k, v in s["per_topic"].items()]])]
        if "calibration" in s:
            cal = s["calibration"]
            out += ["", f"calibration: expected calibration error {cal['ece']:.3f}",
                    _table([["confidence", "n", "mean conf.", "accuracy"],
                            *[[r["bin"], str(r["n"]), _fmt(r["confidence"]), _fmt(r["accuracy"])]
                              for r in cal["table"]]])]
        if s.get("worst_errors"):
            out += ["", "most confident errors"]
            out += [f"  {e['confidence']:.2f} {e['company']}: gold {e['gold']}, predicted {e['pred']}: "
                    f"{e['sentence'][:110]}" for e in s["worst_errors"]]
    out += [f"note: {n}" for n in report.notes]
    return "\n".join(out)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def plot(report, out_dir: str | Path) -> list[Path]:
    """Write ``confusion_<level>.png`` and ``reliability.png`` under ``out_dir``; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for level, title in LEVELS:
        s = getattr(report, level).get("stance")
        if not s:
            continue
        m = np.array(s["confusion"])
        fig, ax = plt.subplots(figsize=(4.5, 4))
        ax.imshow(m, cmap="Blues")
        ax.set_xticks(range(len(s["labels"])), s["labels"])
        ax.set_yticks(range(len(s["labels"])), s["labels"])
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > m.max() / 2 else "black")
        ax.set_title(f"{title}\nmacro-F1 {s['macro_f1']:.3f}", fontsize=9)
        fig.tight_layout()
        paths.append(out_dir / f"confusion_{level}.png")
        fig.savefig(paths[-1], dpi=120)
        plt.close(fig)
    cal = report.examples.get("stance", {}).get("calibration")
    if cal:
        fig, ax = plt.subplots(figsize=(4.5, 4))
        conf = [r["confidence"] for r in cal["table"]]
        acc = [r["accuracy"] for r in cal["table"]]
        ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
        ax.plot(conf, acc, "o-", label="stance")
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
        ax.set_title(f"Reliability (ECE {cal['ece']:.3f})", fontsize=9)
        ax.legend()
        fig.tight_layout()
        paths.append(out_dir / "reliability.png")
        fig.savefig(paths[-1], dpi=120)
        plt.close(fig)
    return paths
