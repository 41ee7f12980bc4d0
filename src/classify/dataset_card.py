"""The dataset card (``README.md``) written beside a built dataset, generated from build facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from classify.labeling import rule_report_markdown

if TYPE_CHECKING:
    from classify.dataset import DatasetBuild


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "n>1M"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render_card(build: "DatasetBuild") -> str:
    """Markdown card with YAML metadata: sources, counts per label and split, rule report, how it was built."""
    stats = build.stats
    schema = build.labeler.schema
    splits = list(build.dataset.keys())
    meta = {
        "language": ["tr"],
        "task_categories": ["text-classification"],
        "size_categories": [_size_category(stats["records"])],
        "pretty_name": "Turkish social-services news (classify)",
        "tags": ["turkish", "news", "social-services", "weak-supervision"],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": s, "path": f"{s}/*.arrow"} for s in splits]}],
    }
    labels_in_data = sorted({lab for counts in stats["per_split"].values() for lab in counts if lab}, key=str)
    count_rows = [[lab] + [stats["per_split"].get(s, {}).get(lab, 0) for s in splits] for lab in labels_in_data]
    count_rows.append(["**total**"] + [len(build.dataset[s]) for s in splits])

    taxonomy = _table(["label", "Türkçe", "definition"],
                      [[d.name, d.display_name, d.definition] for d in schema.labels])

    rule_table = rule_report_markdown(build.rule_report)
    skipped = build.errors.skipped
    skipped_text = "None: every input record is in the dataset." if not skipped else "\n".join(
        [f"{len(skipped)} input records were skipped (see `build_report.json`):"]
        + [f"- `{s.source}{':' + str(s.line) if s.line is not None else ''}`: {s.reason}" for s in skipped[:20]]
        + ([f"- … and {len(skipped) - 20} more"] if len(skipped) > 20 else []))

    sources = ", ".join(f"{k}: {v}" for k, v in sorted(stats["label_source"].items()))
    inputs = "\n".join(f"- `{p}`" for p in stats["inputs"])
    versions = ", ".join(f"{k} {v}" for k, v in sorted(stats["versions"].items()))
    split_str = ",".join(str(f) for f in stats["split_fractions"])
    return f"""---
{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()}
---

# Turkish social-services news dataset

Built with `classify build-dataset` on {stats['built']}: {stats['records']} articles, one record per article.
Page chrome (navigation, teasers of other stories, comment prompts, bylines) is separated from the article
body; every record keeps its segments marked `body` or `boilerplate`.

## Sources
{inputs}

## Label taxonomy
{taxonomy}

## Counts per label and split
{_table(["label"] + splits, count_rows)}

Where labels came from: {sources}. `gold` labels come from the input's `label` column or a `--gold` file and
override the rules; `rules` labels come from the weak-supervision rules in `{stats['labels_config']}`;
`none` means the rules abstained and no gold label existed (such records are in the `unlabelled` split).
Gold labels outside the taxonomy are kept in the `out_of_taxonomy` split instead of being dropped.

Rule labels are weak labels: expect systematic errors where keywords mislead (see the rule report), and
prefer gold labels for evaluation.

## Rule report
Per labelling rule: how many records it fired on (coverage), how often it fired together with another rule
(overlaps) or with a rule for another label (conflicts), and its accuracy against gold labels where the input
had them. The full report is in `rule_report.json`.

{rule_table}

## Near-duplicates and splits
Syndicated copies of a story are clustered (MinHash over word 3-gram shingles, plus any `dup_group` the
input carried): {stats['dup_clusters']} clusters holding {stats['records_in_dup_clusters']} records. Splits
({split_str}, seed {stats['seed']}) are stratified by label and grouped by cluster, so no cluster crosses
splits; the same inputs and seed give the same splits.

## Skipped input
{skipped_text}

## Fields
`id` (as given), `text` (clean body), `title`, `date`, `byline`, `url`, `label`, `label_source`
(`gold`/`rules`/`none`), `label_confidence`, `label_scores` (JSON: label → score), `rules_label`,
`rules_fired`, `also`, `segments` (`text`, `kind` body/boilerplate, `role` body/title/meta/chrome, `label`),
`sentences` (Turkish-aware split of the body), `dup_group` (cluster key; the record's own id when it has no
near-duplicate), `source` (file:line).

## How it was built
Versions: {versions}. Build time {stats['seconds']} s. Load with `datasets.load_from_disk(path)`.
"""
