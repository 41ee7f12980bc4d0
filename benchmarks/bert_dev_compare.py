"""Which long-text strategy reads articles best? head vs head+tail vs chunking (mean / max of window logits).

Run: ``python benchmarks/bert_dev_compare.py [--seed 0] [--folds 5] [--epochs 6]`` (about 10 minutes on a
shared 2-core machine; the seed picks the folds and the initialisation -- run two or three, the spread
between folds is large).

Setting, and why it is scaled down: the development corpus (``../shared/corpus/dev.jsonl``, 466 labelled
pages, read from outside the repo and skipped when absent) has no pretrained Turkish BERT to go with it
offline, and BERTurk on a CPU would take hours. So the comparison uses the offline tiny-BERT path
(``model.scratch``: WordPiece vocabulary of 8,000 trained on each training fold, hidden 128, 2 layers) with
``max_length`` 128: a median article is then ~290 tokens, i.e. 2-3 windows, and 90 % of articles exceed one
window -- the same ratio as 600-1,500-token articles against BERTurk's 512. Texts are what the classifier
sees in production (:func:`classify.models.document_text` of the parsed article: headline + clean body).

Protocol: stratified 5-fold cross-validation grouped by ``dup_group`` (copies of a story never straddle train
and test), same seed and epochs for every strategy; macro-F1 on the held-out fold, mean +- std over folds.
``chunk`` is trained once per fold and scored with both aggregations; its model is also exported to ONNX
int8 and quantised with torch, and their predictions on the held-out articles are compared with fp32 (the
fast paths' agreement on a model that has really been trained). Writes
``benchmarks/results/bert_dev_compare_seed<SEED>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "dev.jsonl"
RESULTS = ROOT / "benchmarks" / "results"


def load_corpus() -> tuple[list[str], list[str], list[str]]:
    """Headline + clean body, gold label and duplicate group of every dev page."""
    from classify.articles import parse_article
    from classify.models import document_text

    texts, labels, groups = [], [], []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            article = parse_article(row["text"], id=row["id"], url=row.get("url"))
            texts.append(document_text(article.title, article.text))
            labels.append(row["label"])
            groups.append(row.get("dup_group") or row["id"])
    return texts, labels, groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--run-folds", type=int, default=None, help="only run the first N folds (timing)")
    parser.add_argument("--epochs", type=float, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1 is fastest for this small model on a shared 2-core machine)")
    args = parser.parse_args()
    if not CORPUS.is_file():
        print(f"skipped: {CORPUS} not found (the dev corpus lives outside the repository)")
        return 0

    import tempfile

    import torch
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedGroupKFold

    from classify.models.transformer import (
        TransformerClassifier,
        TransformerConfig,
        compare_predictions,
        export_onnx,
    )

    torch.set_num_threads(args.threads)

    texts, labels, groups = load_corpus()
    y = np.asarray(labels)
    base = {
        "scratch": {"vocab_size": 8000, "min_frequency": 2, "hidden_size": 128, "num_layers": 2, "num_heads": 2,
                    "intermediate_size": 256, "dropout": 0.1},
        "max_length": 128, "stride": 32, "head_tokens": 32, "learning_rate": 1e-3, "epochs": args.epochs,
        "batch_size": 16, "warmup_ratio": 0.1, "weight_decay": 0.01, "class_weight": "balanced",
        "early_stopping_patience": None,
    }
    variants = {"head": {"long_text": "head"}, "head_tail": {"long_text": "head_tail"}, "chunk": {"long_text": "chunk"}}
    folds = list(StratifiedGroupKFold(args.folds, shuffle=True, random_state=args.seed).split(texts, y, groups))
    if args.run_folds:
        folds = folds[:args.run_folds]
    scores: dict[str, list[float]] = {"head": [], "head_tail": [], "chunk_mean": [], "chunk_max": []}
    seconds: dict[str, float] = {k: 0.0 for k in variants}
    windows: dict[str, int] = {}
    fast: dict[str, list[dict[str, float]]] = {"onnx-int8": [], "torch-int8": []}
    for k, (train, test) in enumerate(folds):
        tr_texts, te_texts = [texts[i] for i in train], [texts[i] for i in test]
        for name, extra in variants.items():
            t0 = time.perf_counter()
            clf = TransformerClassifier(TransformerConfig.model_validate({**base, **extra}), seed=args.seed)
            clf.fit(tr_texts, list(y[train]))
            seconds[name] += time.perf_counter() - t0
            windows[name] = clf.info.extra["training"]["train_windows"]
            aggregations = ("mean", "max") if name == "chunk" else ("mean",)
            for how in aggregations:
                clf.config = clf.config.model_copy(update={"aggregate": how})
                pred = np.asarray(clf.labels)[clf.predict_proba(te_texts, progress=False).argmax(1)]
                key = f"chunk_{how}" if name == "chunk" else name
                scores[key].append(float(f1_score(y[test], pred, average="macro")))
            if name == "chunk":  # fast paths vs fp32 on a model that has really been trained
                clf.config = clf.config.model_copy(update={"aggregate": "mean"})
                with tempfile.TemporaryDirectory() as tmp:
                    clf.save(Path(tmp) / "m")
                    fast["onnx-int8"].append(export_onnx(Path(tmp) / "m", te_texts, min_agreement=0.0))
                    reference = clf.predict_proba(te_texts, progress=False)
                    q = TransformerClassifier.load(Path(tmp) / "m", backend="torch-int8")
                    fast["torch-int8"].append(compare_predictions(reference, q.predict_proba(te_texts, progress=False)))
        print(f"fold {k + 1}/{len(folds)}: " + ", ".join(f"{n} {v[-1]:.3f}" for n, v in scores.items()), flush=True)

    summary = {n: {"macro_f1_mean": float(np.mean(v)), "macro_f1_std": float(np.std(v)), "folds": v}
               for n, v in scores.items()}
    print("\nstrategy     macro-F1 (mean +- std over folds)")
    for n, s in summary.items():
        print(f"{n:<12} {s['macro_f1_mean']:.3f} +- {s['macro_f1_std']:.3f}")
    print("train seconds per strategy (all folds):", {k: round(v, 1) for k, v in seconds.items()})
    agreement = {}
    for engine, rows in fast.items():
        n = sum(r["n"] for r in rows)
        agreement[engine] = {"articles": n,
                             "argmax_agreement": sum(r["argmax_agreement"] * r["n"] for r in rows) / max(n, 1),
                             "max_abs_prob_diff": max((r["max_abs_prob_diff"] for r in rows), default=0.0)}
        print(f"{engine} vs fp32 on held-out articles (chunk models): agreement "
              f"{agreement[engine]['argmax_agreement']:.1%} of {n}, max |dp| {agreement[engine]['max_abs_prob_diff']:.4f}")
    out = RESULTS / f"bert_dev_compare_seed{args.seed}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "setting": {**base, "folds": args.folds, "folds_run": len(folds), "seed": args.seed,
                    "articles": len(texts), "note": "tiny BERT from scratch, max_length 128 (see docstring)"},
        "results": summary, "fast_path_agreement": agreement, "train_seconds": seconds, "train_windows_last_fold": windows,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
