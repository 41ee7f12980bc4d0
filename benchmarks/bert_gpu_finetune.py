"""Fine-tune a BERT-base-sized model on a GPU through the CLI; time per epoch, GPU prediction throughput.

Run (on a machine with a CUDA GPU): ``python benchmarks/bert_gpu_finetune.py [--corpus dev.jsonl]``.
On a CPU-only machine it exits with a message: this figure belongs on a GPU (the CPU estimate is ~0.4
sequences/s of training at 256 tokens, i.e. hours per epoch).

What it does, all through ``python -m classify`` (the same code path users run):

1. ``build-dataset`` on the corpus (gold labels from its ``label`` column; default
   ``../shared/corpus/dev.jsonl``).
2. ``train --config configs/bert-tiny.yaml`` with the ``model.scratch`` shape overridden to BERTurk's
   (vocabulary up to 32,000 WordPiece pieces, hidden 768, 12 layers, 12 heads, feed-forward 3,072) and
   BERTurk's windows (512 tokens, stride 128), ``precision: auto`` (bf16 on a GPU that has it). No pretrained
   weights can be fetched offline, so the encoder starts from random weights: the *timing* is BERTurk's
   (same shapes, same number of windows), the *accuracy* is not and is reported only as a sanity check.
3. ``evaluate --split test`` and ``predict`` on the corpus replicated to ``--predict-n`` articles.
4. ``train --config configs/bert.yaml`` with the Hub unreachable, to record the offline error message.

Writes ``benchmarks/results/bert_gpu_finetune.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEV, ROOT, machine  # noqa: E402

BERT_BASE = {
    "model.scratch.vocab_size": "32000", "model.scratch.hidden_size": "768", "model.scratch.num_layers": "12",
    "model.scratch.num_heads": "12", "model.scratch.intermediate_size": "3072", "model.max_length": "512",
    "model.stride": "128", "model.learning_rate": "1e-4", "model.precision": "auto",
    "model.eval_batch_size": "64", "eval.batch_size": "512",
}


def classify(*args: str, check: bool = True, **env_extra: str) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, CLASSIFY_NO_PROGRESS="1", PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}"
               + os.environ.get("PYTHONPATH", ""), **env_extra)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "classify", *args], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if check and proc.returncode != 0:
        raise SystemExit(f"classify {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return seconds, proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEV)
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "_work" / "gpu")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--predict-n", type=int, default=5000)
    ap.add_argument("--replicate", type=int, default=0,
                    help="train on the corpus replicated to this many articles (fresh ids; 0: as is)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "bert_gpu_finetune.json")
    a = ap.parse_args()

    import torch

    if not torch.cuda.is_available():
        sys.exit("skipped: no CUDA GPU here (this benchmark times BERT-base fine-tuning on a GPU)")
    if not a.corpus.is_file():
        sys.exit(f"skipped: {a.corpus} not found")
    import shutil

    shutil.rmtree(a.work, ignore_errors=True)
    a.work.mkdir(parents=True)
    ds, model, report = a.work / "ds", a.work / "bert-base-scratch", a.work / "report"

    rows = [json.loads(line) for line in a.corpus.open(encoding="utf-8") if line.strip()]
    corpus = a.corpus
    if a.replicate:
        corpus = a.work / "replicated.jsonl"
        with corpus.open("w", encoding="utf-8") as fh:
            for i in range(a.replicate):
                row = dict(rows[i % len(rows)], id=f"rep-{i:06d}")
                row["dup_group"] = f"{row.get('dup_group') or row['id']}-{i // len(rows)}"
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    build_s, _ = classify("build-dataset", str(corpus), "--output", str(ds))
    overrides = [x for k, v in BERT_BASE.items() for x in (f"--{k}", v)]
    train_s, proc = classify("train", "--config", str(ROOT / "configs" / "bert-tiny.yaml"), "--data", str(ds),
                             "--output", str(model), "--model.epochs", str(a.epochs),
                             "--model.batch_size", str(a.batch_size), *overrides)
    info = json.loads((model / "classify.json").read_text(encoding="utf-8"))
    training = info["extra"]["training"]
    eval_s, _ = classify("evaluate", "--model", str(model), "--data", str(ds), "--split", "test",
                         "--report", str(report))
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))["metrics"]

    pred_in = a.work / "predict_in.jsonl"
    with pred_in.open("w", encoding="utf-8") as fh:
        for i in range(a.predict_n):
            fh.write(json.dumps({"id": f"gpu-{i:06d}", "text": rows[i % len(rows)]["text"]},
                                ensure_ascii=False) + "\n")
    pred_s, _ = classify("predict", "--model", str(model), str(pred_in), "--output", str(a.work / "pred.jsonl"),
                         )
    n_out = sum(1 for _ in (a.work / "pred.jsonl").open(encoding="utf-8"))

    _, berturk = classify("train", "--config", str(ROOT / "configs" / "bert.yaml"), "--data", str(ds),
                          "--output", str(a.work / "berturk"), check=False, HF_HUB_OFFLINE="1")

    epochs = [r for r in training["history"] if "train_seconds" in r]
    per_epoch = [r["train_seconds"] for r in epochs]
    result = {
        "machine": {**machine(), "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__},
        "model": "BERT-base shapes from scratch (random init), windows of 512 tokens, stride 128",
        "train_articles": training["train_articles"],
        "train_windows": training["train_windows"],
        "batch_size": a.batch_size,
        "precision": training["precision"],
        "epochs_run": training["epochs_run"],
        "seconds_per_epoch": per_epoch,
        "median_seconds_per_epoch": sorted(per_epoch)[len(per_epoch) // 2] if per_epoch else None,
        "train_windows_per_second": (round(training["train_windows"] / min(per_epoch), 1) if per_epoch else None),
        "trainer_runtime_seconds": training.get("train_runtime_seconds"),
        "history": training["history"],
        "cli_seconds": {"build_dataset": round(build_s, 1), "train": round(train_s, 1),
                        "evaluate": round(eval_s, 1), "predict": round(pred_s, 1)},
        "test_macro_f1": metrics.get("macro_f1"),
        "test_accuracy": metrics.get("accuracy"),
        "predict_articles": a.predict_n,
        "predict_outputs": n_out,
        "predict_articles_per_second_end_to_end": round(a.predict_n / pred_s, 1),
        "berturk_offline": {"returncode": berturk.returncode, "stderr_tail": berturk.stderr.strip()[-600:]},
        "train_stdout_tail": proc.stdout[-800:],
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("history", "train_stdout_tail")},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
