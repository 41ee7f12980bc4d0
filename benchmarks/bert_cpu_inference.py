"""CPU inference throughput of a BERT-base-sized classifier: plain PyTorch fp32 vs the fast paths.

Run: ``python benchmarks/bert_cpu_inference.py [--n 48] [--batch 8] [--seq 256]`` (about 5 minutes on
2 cores). Writes ``benchmarks/results/bert_cpu_inference.json``.

The model has BERTurk's shapes (vocabulary 32,000, hidden 768, 12 layers, 12 heads, 6 labels) with random
weights: no Hub access is needed and speed does not depend on the values. Two things keep the agreement
figures honest:

* Inputs are real token sequences, not uniform random ids: a 32,000-piece WordPiece vocabulary is trained on
  Turkish news (the seed pages, plus ``../shared/corpus/dev.jsonl`` when present) and the texts are cut into
  ``--seq``-token windows, so ids follow Zipf's law as with BERTurk.
* A random classifier head gives near-equal logits, where argmax agreement means nothing. The head is
  therefore *calibrated* on separate windows: it reads the top principal directions of their pooled outputs
  (as a trained head reads the directions in which inputs differ), centred and scaled so that logits spread
  with a standard deviation of 1 -- every class wins for some inputs, and many decisions are close calls.

Caveat, printed with the figures: a randomly initialised BERT barely distinguishes inputs (pooled outputs of
different 256-token windows differ by a few percent of their norm; a fine-tuned model's differ far more), so
int8 rounding noise is large *relative to the differences that decide the argmax*, and argmax agreement here
is a pessimistic bound. ``benchmarks/bert_dev_compare.py`` measures agreement on models actually trained on
the dev corpus, and :func:`classify.models.transformer.export_onnx` checks it on the user's own model.

Engines timed on the same ``--n`` windows in batches of ``--batch``, after one warm-up batch each, interleaved
(each batch runs through every engine in turn, so other processes' load falls on all engines alike):
``torch-fp32`` (plain PyTorch, SDPA attention), ``torch-int8`` (``quantize_dynamic`` on Linear layers),
``onnx-fp32`` (ONNX Runtime, all graph optimisations), ``onnx-int8`` (ONNX Runtime, int8 dynamic
quantisation of MatMul weights with one scale per tensor: the library's fast path) and
``onnx-int8-per-channel`` (one scale per output column) -- all built with the functions the library uses
(:mod:`classify.models.transformer`). Other processes on the machine make the figures noisy: the load
average is recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus" / "dev.jsonl"
RESULTS = ROOT / "benchmarks" / "results" / "bert_cpu_inference.json"


def turkish_texts() -> list[str]:
    """Seed pages, plus the dev corpus when it is available (read in place, never copied)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    if CORPUS.is_file():
        with CORPUS.open(encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts


def windows_of(tokenizer, texts: list[str], seq: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Consecutive ``seq``-token windows ([CLS] ... [SEP]) over the concatenated, tokenised texts."""
    ids: list[int] = []
    for enc in tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]:
        ids.extend(enc)
    size = seq - 2
    rows = [[tokenizer.cls_token_id] + ids[i:i + size] + [tokenizer.sep_token_id]
            for i in range(0, len(ids) - size + 1, size)]
    return np.asarray(rows, dtype=np.int64)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=48, help="windows timed (and compared) per engine")
    parser.add_argument("--calib", type=int, default=16, help="windows used to calibrate the head")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import onnxruntime as ort
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from classify.models.scratch import train_wordpiece_tokenizer
    from classify.models.transformer import (
        compare_predictions,
        export_model_onnx,
        quantize_onnx_int8,
        quantize_torch_int8,
    )

    started = time.perf_counter()
    load_before = os.getloadavg()
    texts = turkish_texts()
    tokenizer = train_wordpiece_tokenizer(texts, vocab_size=32000, min_frequency=1)
    data = windows_of(tokenizer, texts, args.seq)
    rng = np.random.default_rng(args.seed)
    rng.shuffle(data)
    if len(data) < args.n + args.calib:
        reps = -(-(args.n + args.calib) // len(data))
        data = np.concatenate([data] * reps)  # only the seeds available: reuse windows
    calib, test = data[:args.calib], data[args.calib:args.calib + args.n]
    print(f"{len(texts)} texts, vocabulary {len(tokenizer)}, {args.n} test windows of {args.seq} tokens "
          f"(+{args.calib} for the head); torch threads {torch.get_num_threads()}", flush=True)

    torch.manual_seed(args.seed)
    config = BertConfig(vocab_size=32000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, num_labels=6)
    model = BertForSequenceClassification(config).eval()

    def feeds(rows: np.ndarray) -> dict[str, np.ndarray]:
        return {"input_ids": rows, "attention_mask": np.ones_like(rows), "token_type_ids": np.zeros_like(rows)}

    with torch.inference_mode():  # calibrate the head on separate windows (see the module docstring)
        pooled = torch.cat([model.bert(**{k: torch.from_numpy(v) for k, v in feeds(calib[i:i + 8]).items()})
                            .pooler_output for i in range(0, len(calib), 8)])
        mu = pooled.mean(0)
        # like a trained head, read the directions in which inputs differ most (top principal components)
        _, _, vt = torch.linalg.svd(pooled - mu, full_matrices=False)
        mix = torch.randn(6, 6, generator=torch.Generator().manual_seed(args.seed))
        w = mix @ vt[:6]
        scale = ((pooled - mu) @ w.T).std()
        model.classifier.weight.copy_(w / scale)
        model.classifier.bias.copy_(-(mu @ w.T) / scale)
        spread = float(((pooled - mu).norm(dim=1) / pooled.norm(dim=1)).mean())

    def run_torch(m):  # type: ignore[no-untyped-def]
        def f(rows: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                return m(**{k: torch.from_numpy(v) for k, v in feeds(rows).items()}).logits.float().numpy()
        return f

    def run_onnx(path: Path):  # type: ignore[no-untyped-def]
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return lambda rows: session.run(["logits"], feeds(rows))[0]

    def softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bert-bench-") as tmp:
        work = Path(tmp)
        model.save_pretrained(work / "torch")
        sizes = {"torch-fp32": sum(f.stat().st_size for f in (work / "torch").glob("*.safetensors"))}
        t0 = time.perf_counter()
        fp32_onnx = export_model_onnx(model, work / "model.onnx")
        export_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        int8_onnx = quantize_onnx_int8(fp32_onnx, work / "model_int8.onnx")
        quant_s = time.perf_counter() - t0
        int8_channel = quantize_onnx_int8(fp32_onnx, work / "model_int8_per_channel.onnx", per_channel=True)
        sizes["onnx-fp32"] = sum(f.stat().st_size for f in work.glob("model.onnx*")) + sum(
            f.stat().st_size for f in work.iterdir() if f.suffix == ".data")
        sizes["onnx-int8"] = int8_onnx.stat().st_size
        sizes["onnx-int8-per-channel"] = int8_channel.stat().st_size
        engines = {
            "torch-fp32": run_torch(model),
            "torch-int8": run_torch(quantize_torch_int8(model)),
            "onnx-fp32": run_onnx(fp32_onnx),
            "onnx-int8": run_onnx(int8_onnx),
            "onnx-int8-per-channel": run_onnx(int8_channel),
        }
        # Interleaved timing: every batch goes through every engine in turn, so load from other processes
        # falls on all engines alike instead of on whichever happened to run at a busy moment.
        for fn in engines.values():
            fn(test[:args.batch])  # warm-up
        outputs: dict[str, list[np.ndarray]] = {name: [] for name in engines}
        seconds = {name: 0.0 for name in engines}
        for i in range(0, len(test), args.batch):
            for name, fn in engines.items():
                t0 = time.perf_counter()
                outputs[name].append(fn(test[i:i + args.batch]))
                seconds[name] += time.perf_counter() - t0
        reference = softmax(np.concatenate(outputs["torch-fp32"]))
        for name in engines:
            probs = softmax(np.concatenate(outputs[name]))
            row = {"seq_per_s": len(test) / seconds[name], "seconds": seconds[name],
                   **compare_predictions(reference, probs)}
            row["speedup"] = row["seq_per_s"] / results["torch-fp32"]["seq_per_s"] if results else 1.0
            if name in sizes:
                row["size_mb"] = sizes[name] / 2**20
            results[name] = row
            print(f"{name:<21} {row['seq_per_s']:6.2f} seq/s  x{row['speedup']:.2f}  agreement "
                  f"{row['argmax_agreement']:.1%}  (margin>=0.1: {row['decisive_agreement']:.1%} of "
                  f"{row['decisive_n']})  max|dp| {row['max_abs_prob_diff']:.4f}  "
                  + (f"{row['size_mb']:.0f} MB" if "size_mb" in row else "(in memory)"), flush=True)
        assert reference is not None
        counts = np.bincount(reference.argmax(1), minlength=6).tolist()

    load_after = os.getloadavg()
    summary = {
        "setting": {"n": args.n, "batch": args.batch, "seq": args.seq, "vocab": 32000, "hidden": 768,
                    "layers": 12, "heads": 12, "labels": 6, "torch_threads": torch.get_num_threads(),
                    "cpu_count": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after,
                    "reference_argmax_counts": counts,
                    "pooled_relative_spread": spread, "export_seconds": export_s, "quantize_seconds": quant_s,
                    "versions": {"torch": torch.__version__, "onnxruntime": ort.__version__}},
        "results": results,
        "wall_seconds": time.perf_counter() - started,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"reference predictions per class: {counts}; pooled outputs differ from their mean by "
          f"{spread:.1%} of their norm; load average {load_before[0]:.1f} -> {load_after[0]:.1f}")
    print(f"wrote {RESULTS.relative_to(ROOT)} in {summary['wall_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
