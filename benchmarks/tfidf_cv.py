"""Cross-validated quality of the TF-IDF model on the dev corpus: gold-trained, rules-trained, six labels.

Run: python benchmarks/tfidf_cv.py [--config configs/tfidf.yaml] [--seeds 0 1 2] [--folds 5]
(needs ../shared/corpus/dev.jsonl; nothing of the corpus is written anywhere).

Folds: StratifiedGroupKFold over all 466 pages, stratified by gold label, grouped by ``dup_group`` (or the
page id), so copies of one story never sit on both sides. Within each fold the model is trained exactly as
``classify train`` trains it - the pages are parsed as the dataset builder parses them, turned into rows
and then into examples by :func:`classify.training.training_examples` (chrome examples included when the
config asks) - and the held-out pages are classified from their raw text as ``classify predict`` does.

Experiments, each repeated over ``--seeds`` fold assignments:

* ``gold5`` - the config as it is (by default: trained on the gold labels of the extended taxonomy with
  ``other_social`` as a reject label, five output labels); scored on held-out pages whose gold label is one
  of the five. The ``other_social`` pages of each held-out fold are classified too: what the model does
  with news outside its output labels (share recognised as reject, flagged uncertain).
* ``gold5plain`` - five labels only (``labels.yaml``, no reject label): ``other_social`` pages are never
  seen in training, and only the probability threshold can flag them.
* ``rules5`` / ``rules5plain`` - trained on the labels ``classify.labeling.Labeler`` gives (gold hidden,
  every page used as the builder would: abstentions dropped, chrome-only pages -> ``unrelated``), scored
  against gold as above. The rules' own score against gold on the same pages is reported beside it.
* ``gold6`` / ``rules6`` - six output labels (``labels-extended.yaml``: the five + ``other_social``).

Writes benchmarks/results/tfidf_cv.json (tfidf_cv_<variant>.json for configs/tfidf-<variant>.yaml) and
prints Markdown tables.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT, dev_records, save

sys.path.insert(0, str(ROOT / "src"))

from classify.articles import ChromeRules, parse_article
from classify.config import load_config
from classify.evaluation import compute_metrics
from classify.labeling import Labeler
from classify.models import OutputSpace, family
from classify.training import raw_text, training_examples

THRESHOLDS = (0.4, 0.5, 0.6, 0.7)


def parse_all(records: list[dict]) -> list[Any]:
    rules = ChromeRules.load(None)
    return [parse_article(r["text"], id=r["id"], url=r.get("url"), rules=rules) for r in records]


def rows_for(records: list[dict], articles: list[Any], labels: list[str | None], fallback: str) -> list[dict]:
    """Dataset-builder rows (the columns training_examples reads) for the pages."""
    rows = []
    for r, a, y in zip(records, articles, labels):
        segs = [{"text": s.text, "kind": s.kind, "role": s.role, "label": (y or "") if s.kind == "body" else fallback}
                for s in a.segments]
        rows.append({"id": r["id"], "title": a.title, "text": a.text, "label": y, "segments": segs,
                     "dup_group": r.get("dup_group")})
    return rows


def rules_labels(labeler: Labeler, articles: list[Any]) -> list[str | None]:
    """What the dataset builder would label each page with when no gold is given."""
    out = []
    for a in articles:
        d = labeler.label(a)
        out.append(d.label if d.label is not None else (labeler.schema.fallback if not a.body_segments else None))
    return out


def run_cv(config, records, articles, rows, test_texts, gold, groups, taxonomy, fallback, seed, folds):  # type: ignore[no-untyped-def]
    """Out-of-fold probabilities over the output labels, and whether a reject label won, per page."""
    from sklearn.model_selection import StratifiedGroupKFold

    n = len(records)
    space = OutputSpace.from_labels(taxonomy, config.train.reject_labels)
    proba = np.zeros((n, len(space.labels)))
    rejected = np.zeros(n, dtype=bool)
    fit_seconds = []
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(n), gold, groups):
        ex = training_examples([rows[i] for i in train_idx], config, taxonomy, fallback)
        model = family(config.kind).from_config(config.model, seed=config.seed)
        kwargs: dict[str, Any] = {"groups": ex.groups}
        if any(w != 1.0 for w in ex.weights):
            kwargs["sample_weight"] = ex.weights
        t0 = time.perf_counter()
        model.fit(ex.texts, ex.labels, **kwargs)
        fit_seconds.append(time.perf_counter() - t0)
        if model.labels != sorted(taxonomy):
            raise SystemExit(f"a fold lacks labels: trained on {model.labels}, taxonomy {taxonomy}")
        space = OutputSpace.from_labels(model.labels, config.train.reject_labels)
        folded, rej = space.fold(model.predict_proba([test_texts[i] for i in test_idx]))
        proba[test_idx] = folded
        rejected[test_idx] = rej
    return space.labels, proba, rejected, statistics.mean(fit_seconds)


def score(proba: np.ndarray, rejected: np.ndarray, gold: np.ndarray, taxonomy: list[str]) -> dict[str, Any]:
    known = np.isin(gold, taxonomy)
    m = compute_metrics(list(gold[known]), proba[known], taxonomy)
    conf = np.where(rejected, 0.0, proba.max(axis=1))  # a rejected page is flagged at any threshold
    pred = np.array(taxonomy)[proba.argmax(axis=1)]
    correct = pred == gold
    out = {"macro_f1": m["macro_f1"], "accuracy": m["accuracy"], "weighted_f1": m["weighted_f1"], "ece": m["ece"],
           "per_class": m["per_class"], "confusion_matrix": m["confusion_matrix"], "n": m["n"]}
    out["abstention"] = {
        f"{t:.2f}": {"in_taxonomy_flagged": float(np.mean(conf[known] < t)),
                     "accuracy_when_certain": float(np.mean(correct[known][conf[known] >= t]))
                     if np.any(conf[known] >= t) else None,
                     "out_of_taxonomy_flagged": float(np.mean(conf[~known] < t)) if np.any(~known) else None}
        for t in THRESHOLDS}
    if np.any(~known):
        counts: dict[str, int] = {}
        for p in pred[~known]:
            counts[str(p)] = counts.get(str(p), 0) + 1
        out["out_of_taxonomy"] = {"n": int((~known).sum()), "predicted": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
                                  "rejected": float(rejected[~known].mean()),
                                  "mean_confidence": float(proba[~known].max(axis=1).mean())}
    out["in_taxonomy_rejected"] = float(rejected[known].mean())
    return out


def rules_score(labels: list[str | None], gold: np.ndarray, taxonomy: list[str]) -> dict[str, Any]:
    """The rules' own macro-F1 against gold on the in-taxonomy pages (an abstention counts as wrong)."""
    from sklearn.metrics import f1_score

    known = np.isin(gold, taxonomy)
    pred = np.array([y or "(abstain)" for y in labels])
    return {"macro_f1": float(f1_score(gold[known], pred[known], labels=taxonomy, average="macro", zero_division=0)),
            "abstained": int(sum(1 for y, k in zip(labels, known) if k and y is None))}


def heldout_comparison(per_seed_proba: list[np.ndarray], labels: list[str | None], gold: np.ndarray,
                       taxonomy: list[str], records: list[dict]) -> dict[str, Any]:
    """Model vs the rules it learned from, on the pages the rules were *not* written on.

    ``benchmarks/rules_eval.py`` split dev by ``sha1(dup_group or id)`` before the rules were written: 70 %
    *tune* (read while writing them), 30 % *held-out*. On the held-out pages both figures are honest: the
    rules never saw them, and the model's prediction for a page comes from a fold that did not train on it.
    """
    from rules_eval import split_of
    from sklearn.metrics import f1_score

    held = np.array([split_of(r) == "heldout" for r in records])
    known = np.isin(gold, taxonomy) & held
    rules_pred = np.array([y or "(abstain)" for y in labels])
    model = [float(f1_score(gold[known], np.array(taxonomy)[p[known].argmax(axis=1)], labels=taxonomy,
                            average="macro", zero_division=0)) for p in per_seed_proba]
    return {"pages": int(known.sum()),
            "rules_macro_f1": round(float(f1_score(gold[known], rules_pred[known], labels=taxonomy, average="macro",
                                                   zero_division=0)), 4),
            "model_macro_f1_mean": round(statistics.mean(model), 4),
            "model_macro_f1_per_seed": [round(m, 4) for m in model]}


def table(result: dict[str, Any], taxonomy: list[str]) -> str:
    lines = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label in taxonomy:
        c = result["per_class"][label]
        lines.append(f"| {label} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "tfidf.yaml"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--experiments", nargs="+", default=["gold5", "rules5", "gold5plain", "rules5plain",
                                                                  "gold6", "rules6"])
    parser.add_argument("--override", nargs="*", default=[], help="config overrides, e.g. --override model.C=4")
    parser.add_argument("--name", default="", help="suffix of the result file (for runs with overrides)")
    args = parser.parse_args()
    overrides = [f"--{o}" for o in args.override]
    records = dev_records()
    articles = parse_all(records)
    gold = np.array([r["label"] for r in records])
    groups = np.array([r.get("dup_group") or r["id"] for r in records])
    results: dict[str, Any] = {}
    started = time.perf_counter()
    variants = {
        "5": [],  # as the config says (default: six learned labels, other_social rejected, five output)
        "5plain": ["--data.labels", "labels", "--train.reject_labels", "[]"],  # five labels, nothing else learned
        "6": ["--data.labels", "labels-extended", "--train.reject_labels", "[]"],  # six output labels
    }
    for exp in args.experiments:
        kind = "rules" if exp.startswith("rules") else "gold"
        config = load_config(args.config, overrides + variants[exp.removeprefix(kind)])
        labeler = Labeler.load(config.data.labels)
        taxonomy = list(labeler.schema.names)
        fallback = labeler.schema.fallback
        view = config.data.view
        rules_rules = ChromeRules.load(None)
        test_texts = [raw_text(r["text"], view=view, url=r.get("url"), rules=rules_rules) for r in records]
        if kind == "rules":
            labels = rules_labels(labeler, articles)
        else:
            labels = [g if g in taxonomy else None for g in gold]
        rows = rows_for(records, articles, labels, fallback)
        per_seed = []
        probas = []
        for seed in args.seeds:
            output, proba, rejected, fit_s = run_cv(config, records, articles, rows, test_texts, gold, groups,
                                                    taxonomy, fallback, seed, args.folds)
            s = score(proba, rejected, gold, output)
            s["seed"] = seed
            probas.append(proba)
            s["mean_fit_seconds"] = round(fit_s, 2)
            per_seed.append(s)
            print(f"{exp} seed {seed}: macro-F1 {s['macro_f1']:.4f} accuracy {s['accuracy']:.4f}", flush=True)
        f1s = [s["macro_f1"] for s in per_seed]
        best_seed = per_seed[0]
        results[exp] = {
            "taxonomy": taxonomy,
            "output_labels": output,
            "reject_labels": list(config.train.reject_labels),
            "macro_f1_mean": round(statistics.mean(f1s), 4),
            "macro_f1_std": round(statistics.pstdev(f1s), 4),
            "accuracy_mean": round(statistics.mean(s["accuracy"] for s in per_seed), 4),
            "ece_mean": round(statistics.mean(s["ece"] for s in per_seed), 4),
            "per_seed": per_seed,
        }
        rule_labels = labels if kind == "rules" else rules_labels(labeler, articles)
        if exp.startswith("rules"):
            results[exp]["rules_themselves"] = rules_score(labels, gold, output)
        # every experiment: the model on the pages the rules were not written on (for a config with
        # model.rules the rules' contribution is in-sample on the other 70 % of dev, not here)
        results[exp]["rules_heldout_part"] = cmp = heldout_comparison(probas, rule_labels, gold, output, records)
        print(f"{exp} on the rules' held-out part ({cmp['pages']} pages): model {cmp['model_macro_f1_mean']:.4f}"
              f" vs the rules {cmp['rules_macro_f1']:.4f}", flush=True)
        print(f"\n### {exp}: macro-F1 {results[exp]['macro_f1_mean']:.4f} ± {results[exp]['macro_f1_std']:.4f} "
              f"({len(args.seeds)} x {args.folds}-fold)" +
              (f"; the rules themselves: {results[exp]['rules_themselves']['macro_f1']:.4f}" if exp.startswith("rules") else "")
              + f"\n(per-label table for seed {best_seed['seed']})\n\n{table(best_seed, output)}\n", flush=True)
        if "out_of_taxonomy" in best_seed:
            oot = best_seed["out_of_taxonomy"]
            print(f"pages outside the output labels (n={oot['n']}): predicted {oot['predicted']}; "
                  f"{oot['rejected']:.0%} recognised as a reject label; mean top probability "
                  f"{oot['mean_confidence']:.2f}", flush=True)
        print(f"abstention (seed {best_seed['seed']}): {json_line(best_seed['abstention'])}\n", flush=True)
    stem = Path(args.config).stem
    name = "tfidf_cv" if stem == "tfidf" else f"tfidf_cv_{stem.removeprefix('tfidf-')}"
    if args.name:
        name = f"{name}_{args.name}"
    save(name, {"config": args.config, "overrides": args.override, "folds": args.folds, "seeds": args.seeds,
                      "seconds": round(time.perf_counter() - started, 1), "results": results})


def json_line(obj: Any) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False)


if __name__ == "__main__":
    main()
