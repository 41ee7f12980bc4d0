"""Domain pretraining with configs/pretrain-tiny.yaml on the dev corpus: held-out perplexity before/after, speed.

A tiny BERT (WordPiece vocabulary from the training articles, hidden 128, 2 layers, 128-token blocks) is
pretrained from scratch on the clean bodies of ``../shared/corpus/dev.jsonl`` (5 % of the articles held out
by id hash) for a couple of epochs on the CPU. It shows that the pretraining path learns (held-out
perplexity falls) and how fast it runs; it says nothing about BERTurk-sized runs, which need a GPU.

    .venv/bin/python benchmarks/pretrain_tiny.py [--epochs 2] [--threads 1]

Writes benchmarks/results/pretrain_tiny.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DEV, ROOT, WORK, dev_records, save  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("CLASSIFY_NO_PROGRESS", "1")
    n_records = len(dev_records())  # exits with a message when the corpus is absent

    import torch

    from classify.pretrain import pretrain

    if args.threads:
        torch.set_num_threads(args.threads)
    out = WORK / "pretrain_tiny"
    started = time.perf_counter()
    result = pretrain([DEV], out, config=ROOT / "configs" / "pretrain-tiny.yaml",
                      overrides={"model.epochs": args.epochs}, progress=False)
    wall = time.perf_counter() - started
    info = result.info
    save("pretrain_tiny", {
        "what": "classify pretrain, configs/pretrain-tiny.yaml (from scratch), on the dev corpus clean bodies",
        "corpus": {"file": str(DEV.relative_to(ROOT.parent)), "records": n_records},
        "torch_threads": torch.get_num_threads(),
        "epochs": args.epochs,
        "records": info["records"],
        "blocks": info["blocks"],
        "vocab_size": len(__import__("transformers").AutoTokenizer.from_pretrained(out)),
        "perplexity": info["perplexity"],
        "history": info["history"],
        "steps": info["steps"],
        "tokens_seen": info["tokens_seen"],
        "train_seconds": info["train_seconds"],
        "tokens_per_second": info["tokens_per_second"],
        "wall_seconds": round(wall, 1),
        "summary": result.summary(),
    })


if __name__ == "__main__":
    main()
