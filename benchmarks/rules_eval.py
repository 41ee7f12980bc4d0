"""How well do the labelling rules alone label the development corpus?

Reads ``../shared/corpus/dev.jsonl`` (relative to the repository root), hides the gold labels from
the labeller, parses every page with :func:`classify.articles.parse_article` and labels it with
:class:`classify.labeling.Labeler` (the default five-label config and the extended six-label one).

Honest protocol: the corpus is split deterministically *before* the rules were written.
A record's group key is its ``dup_group`` (copies of one story share it) or, without one, its ``id``;
``sha1(key)`` read as a fraction of 2**32 from its first 8 hex digits puts the record in the
held-out part when it is >= 0.70, in the tune part otherwise. The rules were written by reading the
tune part and the annotation guidelines only; the held-out figures are the ones to quote.

Scoring: macro-F1 over the five default labels on records whose gold label is one of them;
an abstention counts as a miss for recall (it is no prediction, so it costs no precision).
Records with gold ``other_social`` are scored separately: how the five-label labeller labels them
(it should abstain or at least not be confident), and the six-label macro-F1 of the extended config.

Run: ``python benchmarks/rules_eval.py`` (writes ``benchmarks/results/rules_eval.json``).
Options: ``--config PATH`` (five-label config), ``--extended PATH``, ``--raw`` (label raw page text,
skipping chrome removal, to see what parsing buys), ``--report`` (print the rule report of the tune
part as Markdown).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "dev.jsonl"
RESULTS = ROOT / "benchmarks" / "results" / "rules_eval.json"
HELDOUT_FROM = 0.70

BASE_LABELS = ["child_services", "family_year", "disability_care", "party_politics", "unrelated"]
EXTENDED_LABELS = BASE_LABELS + ["other_social"]


def split_of(record: dict[str, Any]) -> str:
    """``"heldout"`` or ``"tune"``, from the sha1 of the record's dup_group (or id)."""
    key = record.get("dup_group") or record["id"]
    frac = int(hashlib.sha1(str(key).encode("utf-8")).hexdigest()[:8], 16) / 2**32
    return "heldout" if frac >= HELDOUT_FROM else "tune"


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def per_label_table(gold: Sequence[str], pred: Sequence[str | None], labels: Sequence[str]) -> dict[str, Any]:
    """Precision, recall, F1 and support per label plus macro averages; ``None`` predictions are misses."""
    rows: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    n = len(gold)
    return {
        "labels": rows,
        "macro_precision": statistics.fmean(r["precision"] for r in rows.values()),
        "macro_recall": statistics.fmean(r["recall"] for r in rows.values()),
        "macro_f1": statistics.fmean(r["f1"] for r in rows.values()),
        "accuracy": sum(g == p for g, p in zip(gold, pred)) / n if n else 0.0,
        "abstain_rate": sum(p is None for p in pred) / n if n else 0.0,
        "n": n,
    }


def table_markdown(table: dict[str, Any]) -> str:
    lines = ["| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for lab, r in table["labels"].items():
        lines.append(f"| {lab} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    lines.append(
        f"| **macro** | {table['macro_precision']:.3f} | {table['macro_recall']:.3f} | "
        f"**{table['macro_f1']:.3f}** | {table['n']} |"
    )
    lines.append(f"\naccuracy {table['accuracy']:.3f}, abstain rate {table['abstain_rate']:.3f}")
    return "\n".join(lines)


def _articles(records: list[dict[str, Any]], raw: bool) -> tuple[list[Any], float]:
    """Parse pages into articles (or fake raw ones); return them and the parse time in seconds."""
    from classify.articles import Article, Segment, parse_article

    t0 = time.perf_counter()
    out = []
    for r in records:
        if raw:
            segs = [Segment(line, "body", "body") for line in r["text"].split("\n") if line.strip()]
            out.append(
                Article(id=r["id"], title=None, date=None, byline=None, url=r.get("url"), segments=segs)
            )
        else:
            out.append(parse_article(r["text"], id=r["id"], url=r.get("url")))
    return out, time.perf_counter() - t0


def evaluate(
    config: str | Path | None = None,
    extended: str | Path | None = "labels-extended.yaml",
    *,
    corpus: Path = CORPUS,
    raw: bool = False,
    repeats: int = 3,
) -> dict[str, Any]:
    """Label the dev corpus with gold hidden and score it per split. Returns the result dict.

    ``repeats`` labelling passes are timed and the fastest is reported (the decisions are identical).
    """
    from classify.labeling import Labeler, rule_report

    records = load_corpus(corpus)
    parts = [split_of(r) for r in records]
    gold = [r["label"] for r in records]
    articles, parse_s = _articles(records, raw)

    result: dict[str, Any] = {
        "corpus": str(corpus),
        "records": len(records),
        "split": {
            "method": f"sha1(dup_group or id)[:8]/2**32 >= {HELDOUT_FROM} -> heldout",
            "tune": parts.count("tune"),
            "heldout": parts.count("heldout"),
        },
        "raw_text": raw,
        "parse_us_per_article": 1e6 * parse_s / max(len(records), 1),
    }

    for name, cfg, labels in (("base", config, BASE_LABELS), ("extended", extended, EXTENDED_LABELS)):
        if cfg is None and name == "extended":
            continue
        labeler = Labeler.load(cfg)
        # timing: best of ``repeats`` passes over all articles, labelling only
        best = best_cpu = float("inf")
        decisions = []
        for _ in range(max(repeats, 1)):
            t0, c0 = time.perf_counter(), time.process_time()
            decisions = [labeler.label(a) for a in articles]
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, time.process_time() - c0)
        preds = [d.label for d in decisions]
        block: dict[str, Any] = {
            "config": labeler.source,
            "rules": len(labeler.rules),
            "label_us_per_article": 1e6 * best / max(len(records), 1),
            # CPU time is less disturbed than wall time when other processes share the machine
            "label_cpu_us_per_article": 1e6 * best_cpu / max(len(records), 1),
        }
        for part in ("tune", "heldout", "all"):
            idx = [i for i, p in enumerate(parts) if part == "all" or p == part]
            in_tax = [i for i in idx if gold[i] in labels]
            block[part] = per_label_table([gold[i] for i in in_tax], [preds[i] for i in in_tax], labels)
            if name == "base":
                other = [i for i in idx if gold[i] == "other_social"]
                dist = Counter(preds[i] if preds[i] is not None else "<abstain>" for i in other)
                confident = [i for i in other if preds[i] is not None and decisions[i].confidence >= 0.8]
                block[part]["other_social"] = {
                    "n": len(other),
                    "predicted": dict(sorted(dist.items())),
                    "abstain_rate": dist.get("<abstain>", 0) / len(other) if other else 0.0,
                    "confident_share": len(confident) / len(other) if other else 0.0,
                    "mean_confidence_when_labelled": statistics.fmean(
                        [decisions[i].confidence for i in other if preds[i] is not None] or [0.0]
                    ),
                }
        tune_idx = [i for i, p in enumerate(parts) if p == "tune"]
        report = rule_report(labeler, [decisions[i] for i in tune_idx], [gold[i] for i in tune_idx])
        block["rule_report_tune"] = report
        block["errors_tune"] = [
            {
                "id": records[i]["id"],
                "gold": gold[i],
                "pred": preds[i],
                "fired": decisions[i].fired,
                "evidence": decisions[i].evidence,
            }
            for i in tune_idx
            if preds[i] != gold[i] and gold[i] in labels
        ]
        result[name] = block
    return result


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=None, help="five-label labels YAML (default: packaged labels.yaml)")
    ap.add_argument("--extended", default="labels-extended.yaml", help="six-label labels YAML")
    ap.add_argument("--raw", action="store_true", help="label raw page text (no chrome removal)")
    ap.add_argument("--report", action="store_true", help="print the tune-part rule report")
    ap.add_argument("--errors", action="store_true", help="print tune-part errors (never held-out ones)")
    ap.add_argument(
        "--tune-only", action="store_true", help="print tune figures only (use while writing rules)"
    )
    ap.add_argument("--output", default=str(RESULTS))
    args = ap.parse_args(argv)
    if not CORPUS.is_file():
        print(f"{CORPUS} not found: nothing to evaluate", file=sys.stderr)
        return 2
    res = evaluate(args.config, args.extended, raw=args.raw)
    for name in ("base", "extended"):
        if name not in res:
            continue
        b = res[name]
        print(
            f"\n## {name} config ({b['rules']} rules), labelling {b['label_us_per_article']:.0f} µs/article "
            f"wall, {b['label_cpu_us_per_article']:.0f} µs/article CPU (noisy when the machine is shared)"
        )
        for part in ("tune",) if args.tune_only else ("tune", "heldout"):
            print(f"\n### {part} ({b[part]['n']} records in the taxonomy)\n")
            print(table_markdown(b[part]))
            if "other_social" in b[part]:
                o = b[part]["other_social"]
                print(
                    f"\nother_social gold ({o['n']}): predicted {o['predicted']}, "
                    f"confident (>=0.8) {o['confident_share']:.2f}, "
                    f"mean confidence when labelled {o['mean_confidence_when_labelled']:.2f}"
                )
        if args.report:
            from classify.labeling import rule_report_markdown

            print("\n" + rule_report_markdown(b["rule_report_tune"]))
        if args.errors:
            for e in b["errors_tune"]:
                ev = {k: v for k, v in e["evidence"].items() if v}
                print(f"  {e['id']} gold={e['gold']} pred={e['pred']} ev={ev}")
    print(f"\nparse: {res['parse_us_per_article']:.0f} µs/article")
    if args.tune_only:
        return 0  # do not write held-out figures while tuning
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    slim = json.loads(json.dumps(res))
    for name in ("base", "extended"):
        if name in slim:
            slim[name].pop("errors_tune", None)  # ids only matter while tuning; keep the file small
    out.write_text(json.dumps(slim, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
