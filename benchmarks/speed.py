"""Inference speed on this machine: backends side by side on the same inputs, whole articles, cold start, memory.

    python -m benchmarks.speed --model models/default [--repeats 5]

Pair throughput (examples/s) for torch fp32, torch dynamic int8, ONNX Runtime fp32, ONNX Runtime int8 alone and
the fast backend (int8 with near ties rechecked in fp32) on the corpus test and dev examples (news sentence pairs,
length-sorted batches padded per batch), each backend's macro-F1 and agreement with fp32; articles/s and
per-article latency of ~800-word articles through ``classify_many`` / ``classify`` (sentence splitting and
company detection included); cold start (a fresh process: import, load the model, classify a short article);
peak memory. Medians of ``--repeats`` runs.
Writes ``benchmarks/results/speed.json`` and a table in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .common import RESULTS_DIR, ROOT, commit, today, write_section

COLD = """
import time, sys
t = time.perf_counter()
import stance
r = stance.classify("Acme Corp. said on Monday it would stop selling the software to police. "
                    "Borlan Inc., a rival, said it would keep selling it.", model=sys.argv[1])
print(time.perf_counter() - t, len(r.positions))
"""


def articles_of(words: int, n: int) -> list[str]:
    """~``words``-word articles made of consecutive corpus articles (real news-style prose)."""
    from stance.annotations import read_annotations

    texts = [a.text for a in read_annotations(ROOT / "stance" / "corpus").articles]
    out, cur = [], []
    for t in texts * 3:
        cur.append(t)
        if sum(len(x.split()) for x in cur) >= words:
            out.append("\n\n".join(cur))
            cur = []
        if len(out) == n:
            break
    return out


def pair_throughput(models: dict, examples, repeats: int) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Pairs/s of each model (median of ``repeats``) and its probabilities.

    The models take turns within each repetition, so a slow spell of the machine hits them all alike.
    """
    for model in models.values():
        model.predict_proba(examples[:256])  # warm up (and open the fp32 file of the fast backend)
    times: dict[str, list[float]] = {name: [] for name in models}
    probs = {}
    for _ in range(repeats):
        for name, model in models.items():
            t = time.perf_counter()
            probs[name] = model.predict_proba(examples)
            times[name].append(time.perf_counter() - t)
    return {name: len(examples) / statistics.median(t) for name, t in times.items()}, probs


def main(argv: list[str] | None = None) -> int:
    import torch

    from stance import StanceModel, build, classify, classify_many
    from stance.inputs import BATCH_SIZE
    from stance.metrics import classification_scores
    from stance.onnx_backend import OnnxSession, export_onnx, has_onnx

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(ROOT / "models" / "default"))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--articles", type=int, default=40)
    args = p.parse_args(argv)
    path = Path(args.model)
    if not has_onnx(path):
        export_onnx(path)
    threads = torch.get_num_threads()
    data = build(ROOT / "stance" / "corpus")
    examples = data.examples["test"] + data.examples["dev"]
    n_test = len(data.examples["test"])
    gold = [e.label for e in examples]

    fp32 = StanceModel.from_pretrained(path, backend="torch")
    labels = fp32.labels
    q = StanceModel.from_pretrained(path, backend="torch")
    q.model = torch.ao.quantization.quantize_dynamic(q.model, {torch.nn.Linear}, dtype=torch.qint8)
    o32 = StanceModel.from_pretrained(path, backend="torch")
    o32._onnx, o32.backend = OnnxSession(path, quantized=False), "onnx"
    raw = StanceModel.from_pretrained(path, backend="onnx", recheck_margin=0)
    fast = StanceModel.from_pretrained(path, backend="onnx")  # int8 with near ties rechecked in fp32
    results, probs = pair_throughput({"torch_fp32": fp32, "torch_int8": q, "onnx_fp32": o32,
                                      "onnx_int8_no_recheck": raw, "onnx_int8": fast}, examples, args.repeats)
    rechecked = fast._onnx.rechecked / max(fast._onnx.seen, 1)
    quality = {}
    for name, pr in probs.items():
        pred = [labels[i] for i in pr.argmax(axis=1)]
        same = pr.argmax(1) == probs["torch_fp32"].argmax(1)
        quality[name] = {
            "macro_f1": round(classification_scores(gold, pred, labels)["macro_f1"], 4),
            "macro_f1_test": round(classification_scores(gold[:n_test], pred[:n_test], labels)["macro_f1"], 4),
            "agreement_with_fp32": round(float(np.mean(same)), 4),
            "agreement_with_fp32_test": round(float(np.mean(same[:n_test])), 4)}

    docs = articles_of(800, args.articles)
    list(classify_many(docs[:2], model=fast, progress=False))  # warm up spaCy and the session
    runs = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        n = sum(1 for _ in classify_many(docs, model=fast, progress=False))
        runs.append(n / (time.perf_counter() - t))
    latencies = []
    for d in docs:
        t = time.perf_counter()
        classify(d, model=fast)
        latencies.append((time.perf_counter() - t) * 1000)
    colds = []
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", COLD, str(path)], capture_output=True, text=True, check=True,
                             cwd=ROOT)
        colds.append(float(out.stdout.split()[0]))

    record = {
        "torch_fp32_examples_per_s": round(results["torch_fp32"], 1),
        "torch_int8_examples_per_s": round(results["torch_int8"], 1),
        "onnx_fp32_examples_per_s": round(results["onnx_fp32"], 1),
        "onnx_int8_no_recheck_examples_per_s": round(results["onnx_int8_no_recheck"], 1),
        "fast_examples_per_s": round(results["onnx_int8"], 1),
        "fast_backend": "onnx_int8",
        "recheck_margin": fast._onnx.recheck_margin,
        "rechecked_share": round(rechecked, 4),
        "speedup_fast_vs_torch_fp32": round(results["onnx_int8"] / results["torch_fp32"], 2),
        "quality": quality,
        "articles_per_s": round(statistics.median(runs), 2),
        "article_words": round(float(np.mean([len(d.split()) for d in docs])), 0),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "cold_start_s": round(statistics.median(colds), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": threads, "batch_size": BATCH_SIZE, "examples": len(examples), "articles": len(docs),
        "repeats": args.repeats,
        "model": str(path), "commit": commit(), "date": today(),
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "speed.json").write_text(json.dumps(record, indent=1) + "\n")
    write_section("speed", markdown(record))
    print(json.dumps(record, indent=1))
    return 0


def markdown(r: dict) -> str:
    q = r["quality"]
    rows = [("torch fp32", "torch_fp32_examples_per_s", "torch_fp32"),
            ("torch int8 (dynamic)", "torch_int8_examples_per_s", "torch_int8"),
            ("ONNX Runtime fp32", "onnx_fp32_examples_per_s", "onnx_fp32"),
            ("ONNX Runtime int8 alone", "onnx_int8_no_recheck_examples_per_s", "onnx_int8_no_recheck"),
            (f"ONNX Runtime int8, near ties (margin < {r['recheck_margin']}) rechecked in fp32: the fast backend",
             "fast_examples_per_s", "onnx_int8")]
    lines = ["## Inference speed (`python -m benchmarks.speed`)", "",
             f"{r['threads']} threads, this 2-core machine, model `{r['model']}`, {r['examples']} corpus dev+test "
             f"sentence pairs in length-sorted batches of {r['batch_size']}, medians of {r['repeats']} runs "
             f"(the backends take turns within each run); commit {r['commit']}, {r['date']}.", "",
             "| backend | examples/s | macro-F1 test | macro-F1 dev+test | same label as fp32: test | dev+test |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {name} | {r[key]} | {q[k]['macro_f1_test']:.4f} | {q[k]['macro_f1']:.4f} | "
              f"{q[k]['agreement_with_fp32_test']:.2%} | {q[k]['agreement_with_fp32']:.2%} |" for name, key, k in rows]
    lines += ["", f"- fast backend vs torch fp32: **{r['speedup_fast_vs_torch_fp32']}x**; "
              f"{r['rechecked_share']:.1%} of pairs were near ties recomputed in fp32",
              f"- whole articles (~{r['article_words']:.0f} words, sentence splitting and company detection included, "
              f"`classify_many`): **{r['articles_per_s']} articles/s**; `classify` latency p50 {r['latency_p50_ms']} ms, "
              f"p95 {r['latency_p95_ms']} ms",
              f"- cold start (new process: import, load, classify a short article): {r['cold_start_s']} s",
              f"- peak memory of the benchmark process: {r['peak_rss_mb']} MB"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
