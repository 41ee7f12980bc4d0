"""Sentence ranking against a published peer: nDCG on sadedegel's human-annotated Turkish news corpus.

What it does (``python benchmarks/sadedegel_ndcg.py``):

1. Fetches the wheel ``sadedegel==0.21.2`` with ``pip download --no-deps`` into ``benchmarks/_work/``
   (git-ignored; nothing of it is committed) and reads ``sadedegel/dataset/annotated/*.json`` from it.
2. Checks that the wheel's own evaluation code still defines the protocol we reproduce - relevance =
   ``deletedInRound`` of each sentence (the round in which annotators deleted it: later = more relevant,
   ``sadedegel/dataset/_core.py``) and ``ndcg_score(y_true, y_pred, k=ceil(len(d) * ratio))`` for ratios
   0.1/0.5/0.8, averaged over documents (``sadedegel/summarize/evaluate/util.py``) - and stops if not.
3. Writes the documents as JSONL records carrying pre-split ``sentences`` and runs them through
   :func:`classify.summarize.run_summarize` - the function behind ``classify summarize`` - in evaluation
   mode; reads back one score per sentence; computes nDCG@10/50/80% with our ``ndcg`` evaluate module
   (``src/classify/metrics/ndcg``, which calls ``sklearn.metrics.ndcg_score`` exactly as sadedegel does).
4. Reports throughput (documents/s, end to end: read JSONL, rank, write JSONL), an ablation (each feature
   alone; all minus one) and a cross-validated figure for tuned weights: the weights are fitted on half of
   the documents (pairwise logistic regression on within-document sentence pairs, pair weight = relevance
   difference) and scored on the other half, both ways, over several random halvings.

The configured weights (``configs/summarize.yaml``) were fitted on *all* documents with ``--tune``; the
all-docs figure is therefore optimistic and the cross-validated one is the honest estimate.

Writes ``benchmarks/results/sadedegel_ndcg.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
RESULTS = ROOT / "benchmarks" / "results"
WHEEL = "sadedegel-0.21.2-py3-none-any.whl"
RATIOS = (0.1, 0.5, 0.8)
#: Figures sadedegel's authors publish for this corpus and protocol (README of the sadedegel project).
PUBLISHED = {
    "sadedegel best unsupervised": (0.6866, 0.7638, 0.8550),
    "sadedegel supervised BERT ranker": (0.7620, None, None),
}

sys.path.insert(0, str(ROOT / "src"))

from classify.summarize import FEATURES, SentenceRanker, SummarizerConfig, run_summarize


@dataclass
class Doc:
    """One annotated document: its sentences and their relevance (``deletedInRound``)."""

    id: str
    sentences: list[str]
    relevance: np.ndarray


# --------------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------------


def fetch_wheel() -> Path:
    """The sadedegel wheel, downloaded once into benchmarks/_work/."""
    WORK.mkdir(parents=True, exist_ok=True)
    wheel = WORK / WHEEL
    if not wheel.is_file():
        cmd = [sys.executable, "-m", "pip", "download", "sadedegel==0.21.2", "--no-deps", "-d", str(WORK)]
        print("fetching:", " ".join(cmd[2:]), file=sys.stderr)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return wheel


def check_protocol(wheel: Path) -> None:
    """Stop unless the wheel's evaluation code defines relevance and nDCG the way we reproduce them."""
    with zipfile.ZipFile(wheel) as zf:
        core = zf.read("sadedegel/dataset/_core.py").decode()
        util = zf.read("sadedegel/summarize/evaluate/util.py").decode()
        main = zf.read("sadedegel/summarize/evaluate/__main__.py").decode()
    expected = [
        (core, "relevance=np.array([s['deletedInRound'] for s in d['sentences']])"),
        (main, "relevance = [[doc['relevance']] for doc in anno]"),
        (util, "y_pred = [summarizer.predict(d)]"),
        (util, "score_10.append(ndcg_score(y_true, y_pred, k=ceil(len(d) * 0.1)))"),
        (util, "score_50.append(ndcg_score(y_true, y_pred, k=ceil(len(d) * 0.5)))"),
        (util, "score_80.append(ndcg_score(y_true, y_pred, k=ceil(len(d) * 0.8)))"),
        (util, "np.array(score_10).mean()"),
    ]
    missing = [snippet for text, snippet in expected if snippet not in text]
    if missing:
        raise SystemExit(f"sadedegel's evaluation code changed; not found: {missing}")


def load_docs(wheel: Path) -> list[Doc]:
    """The annotated corpus, in sadedegel's file order (sorted paths)."""
    docs = []
    with zipfile.ZipFile(wheel) as zf:
        names = sorted(n for n in zf.namelist()
                       if n.startswith("sadedegel/dataset/annotated/") and n.endswith(".json"))
        for name in names:
            data = json.loads(zf.read(name))
            sents = [s["content"] for s in data["sentences"]]
            rel = np.array([s["deletedInRound"] for s in data["sentences"]], dtype=float)
            docs.append(Doc(Path(name).stem, sents, rel))
    return docs


def write_eval_input(docs: list[Doc], path: Path) -> None:
    """JSONL records in evaluation mode: ``sentences`` pre-split (``text`` too: the reader requires it)."""
    with path.open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"id": d.id, "text": " ".join(d.sentences), "sentences": d.sentences},
                                ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------------------


def load_ndcg():  # type: ignore[no-untyped-def]
    import evaluate

    return evaluate.load(str(ROOT / "src" / "classify" / "metrics" / "ndcg"))


def fast_ndcg(docs: list[Doc], scores: list[np.ndarray]) -> np.ndarray:
    """nDCG@10/50/80% without tie handling (for the many evaluations of tuning and ablation; the
    reported headline figures use the evaluate module, i.e. sklearn with ties averaged)."""
    out = np.zeros(len(RATIOS))
    for d, s in zip(docs, scores):
        order = np.argsort(-s, kind="stable")
        ideal = np.sort(d.relevance)[::-1]
        for j, ratio in enumerate(RATIOS):
            k = math.ceil(ratio * len(s))
            disc = 1.0 / np.log2(np.arange(2, k + 2))
            out[j] += (d.relevance[order[:k]] @ disc) / (ideal[:k] @ disc)
    return out / len(docs)


def fit_weights(feats: list[np.ndarray], docs: list[Doc], idx: np.ndarray, columns: list[int],
                c: float = 1.0) -> np.ndarray:
    """Pairwise logistic regression (RankNet-style, linear) on within-document sentence pairs.

    For every pair (i, j) of one document with relevance_i > relevance_j the feature difference is a
    positive example (and its negation a negative one), weighted by the relevance gap; no intercept.
    Returns a full weight vector (0 outside ``columns``), scaled so the largest weight is 1.
    """
    from sklearn.linear_model import LogisticRegression

    diffs, gaps = [], []
    for i in idx:
        x, r = feats[i][:, columns], docs[i].relevance
        a, b = np.nonzero(r[:, None] > r[None, :])
        diffs.append(x[a] - x[b])
        gaps.append(r[a] - r[b])
    d = np.vstack(diffs)
    g = np.concatenate(gaps)
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000)
    model.fit(np.vstack([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))], sample_weight=np.r_[g, g])
    w = np.zeros(len(FEATURES))
    w[columns] = model.coef_[0]
    return w / np.abs(w).max()


def cross_validate(feats: list[np.ndarray], docs: list[Doc], columns: list[int], repeats: int,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of held-out nDCG over ``repeats`` random halvings, each used both ways."""
    results = []
    for rep in range(repeats):
        perm = np.random.default_rng(seed + rep).permutation(len(docs))
        halves = perm[: len(docs) // 2], perm[len(docs) // 2:]
        for train, test in (halves, halves[::-1]):
            w = fit_weights(feats, docs, train, columns)
            results.append(fast_ndcg([docs[i] for i in test], [feats[i] @ w for i in test]))
    arr = np.array(results)
    return arr.mean(axis=0), arr.std(axis=0)


# --------------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------------


def _fmt(v: tuple[float | None, ...] | np.ndarray) -> str:
    return " / ".join("  -   " if x is None else f"{x:.4f}" for x in v)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "summarize.yaml")
    ap.add_argument("--repeats", type=int, default=5, help="random halvings for cross-validation")
    ap.add_argument("--runs", type=int, default=7, help="timed pipeline runs (median and best reported)")
    ap.add_argument("--tune", action="store_true", help="print weights fitted on all documents (YAML)")
    ap.add_argument("--output", type=Path, default=RESULTS / "sadedegel_ndcg.json")
    args = ap.parse_args(argv)

    wheel = fetch_wheel()
    check_protocol(wheel)
    docs = load_docs(wheel)
    n_sent = sum(len(d.sentences) for d in docs)
    print(f"sadedegel 0.21.2 annotated corpus: {len(docs)} documents, {n_sent} sentences")

    config = SummarizerConfig.load(args.config)
    eval_in, eval_out = WORK / "sadedegel_eval.jsonl", WORK / "sadedegel_scores.jsonl"
    write_eval_input(docs, eval_in)

    # 1. the pipeline, timed (evaluation mode through run_summarize, as `classify summarize` runs it)
    timings, cpu_timings = [], []
    for _ in range(max(1, args.runs)):
        cpu0 = time.process_time()
        res = run_summarize([eval_in], eval_out, config=config, progress=False)
        cpu_timings.append(time.process_time() - cpu0)
        timings.append(res.seconds)
    seconds = statistics.median(timings)
    cpu_seconds = statistics.median(cpu_timings)
    by_id = {}
    with eval_out.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            by_id[rec["id"]] = rec["scores"]
    scores = [np.array(by_id[d.id]) for d in docs]
    assert all(len(s) == len(d.sentences) for s, d in zip(scores, docs)), "one score per sentence"
    ndcg = load_ndcg()
    figures = ndcg.compute(predictions=[s.tolist() for s in scores],
                           references=[d.relevance.tolist() for d in docs], ratios=list(RATIOS))
    ours = tuple(figures[f"ndcg@{int(r * 100)}%"] for r in RATIOS)
    docs_per_s = len(docs) / seconds
    docs_per_s_best = len(docs) / min(timings)
    docs_per_cpu_s = len(docs) / cpu_seconds

    # 2. features once, for ablation and cross-validation
    ranker = SentenceRanker(config.ranking)
    t0 = time.process_time()
    feats = [ranker.features(d.sentences).standardized() for d in docs]
    feat_seconds = time.process_time() - t0
    w_cfg = config.ranking.weight_vector()
    active = [j for j, w in enumerate(w_cfg) if w != 0]

    ablation = {}
    for j, name in enumerate(FEATURES):
        sign = np.sign(w_cfg[j]) or 1.0
        alone = np.zeros(len(FEATURES))
        alone[j] = sign
        row = {"alone": fast_ndcg(docs, [f @ alone for f in feats]).tolist(), "weight": float(w_cfg[j])}
        if w_cfg[j] != 0:
            minus = w_cfg.copy()
            minus[j] = 0.0
            row["all_minus_one"] = fast_ndcg(docs, [f @ minus for f in feats]).tolist()
            cols = [c for c in active if c != j]
            row["all_minus_one_cv"] = cross_validate(feats, docs, cols, args.repeats)[0].tolist()
        ablation[name] = row

    cv_mean, cv_std = cross_validate(feats, docs, active, args.repeats)
    fitted = fit_weights(feats, docs, np.arange(len(docs)), active)
    all_fitted = fast_ndcg(docs, [f @ fitted for f in feats])

    print("\nnDCG at k = 10% / 50% / 80% of each document's sentences (mean over documents)")
    for name, vals in PUBLISHED.items():
        print(f"  {name:<44} {_fmt(vals)}")
    print(f"  {'ours, configured weights, all documents':<44} {_fmt(ours)}")
    print(f"  {'ours, weights refitted on all documents':<44} {_fmt(all_fitted)}")
    cv_label = f"ours, 2-fold CV x{args.repeats} (tune half, test half)"
    print(f"  {cv_label:<44} {_fmt(cv_mean)}"
          f"   (std {_fmt(cv_std)})")
    print(f"\nthroughput, end to end (read JSONL, rank, write JSONL; one process, {len(timings)} runs):"
          f"\n  {docs_per_s:.0f} documents/s wall clock, median ({seconds * 1000:.0f} ms for {len(docs)} documents;"
          f" best run {docs_per_s_best:.0f}/s); {docs_per_cpu_s:.0f} documents per CPU-second, median (less"
          f" sensitive to other load on the machine);"
          f"\n  ranking features alone: {len(docs) / feat_seconds:.0f} documents per CPU-second")
    print("\nablation (configured weights; CV = refitted without the feature, held-out):")
    print(f"  {'feature':<11} {'weight':>7}  {'alone':<26} {'all minus one':<26} {'all minus one, CV':<26}")
    for name, row in ablation.items():
        minus = _fmt(row["all_minus_one"]) if "all_minus_one" in row else "(weight 0)"
        minus_cv = _fmt(row["all_minus_one_cv"]) if "all_minus_one_cv" in row else ""
        print(f"  {name:<11} {row['weight']:>7.2f}  {_fmt(row['alone']):<26} {minus:<26} {minus_cv:<26}")
    if args.tune:
        print("\nweights fitted on all documents (paste into configs/summarize.yaml):")
        for name, w in zip(FEATURES, fitted):
            print(f"    {name}: {w:.2f}")

    result = {
        "benchmark": "sadedegel_ndcg",
        "corpus": {"package": "sadedegel==0.21.2", "documents": len(docs), "sentences": n_sent},
        "protocol": "relevance = deletedInRound; sklearn ndcg_score, k = ceil(ratio * n), mean over documents",
        "ratios": list(RATIOS),
        "published": {k: list(v) for k, v in PUBLISHED.items()},
        "ours_all_docs": list(ours),
        "ours_refitted_all_docs": all_fitted.tolist(),
        "ours_cross_validated": {"mean": cv_mean.tolist(), "std": cv_std.tolist(), "repeats": args.repeats,
                                 "scheme": "2-fold, both ways, random halvings"},
        "docs_per_second": docs_per_s,
        "docs_per_second_best_run": docs_per_s_best,
        "docs_per_cpu_second": docs_per_cpu_s,
        "seconds": timings,
        "cpu_seconds": cpu_timings,
        "ablation": ablation,
        "config_weights": dict(zip(FEATURES, w_cfg.tolist())),
        "note": "wall-clock throughput depends on other load on the machine; the CPU-second figure less so",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
