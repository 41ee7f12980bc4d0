"""How many of dev's gold near-duplicate pairs (`dup_group`) the detector finds on its own, and how many
pairs it links that gold does not (the input's own dup_group column is NOT used here).

Run: python benchmarks/dedup_eval.py [threshold]
"""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict

from _common import dev_records, save

from classify.articles import parse_article
from classify.dedup import DedupConfig, DuplicateFinder


def pairs_of(groups: dict[str, str]) -> set[tuple[str, str]]:
    members = defaultdict(list)
    for i, g in groups.items():
        members[g].append(i)
    return {tuple(sorted(p)) for m in members.values() for p in itertools.combinations(m, 2)}


def main() -> None:
    rows = dev_records()
    cfg = DedupConfig(threshold=float(sys.argv[1])) if len(sys.argv) > 1 else DedupConfig()
    finder = DuplicateFinder(cfg)
    for r in rows:
        finder.add(r["id"], parse_article(r["text"], id=r["id"]).text or r["text"])
    found = pairs_of(finder.groups([r["id"] for r in rows]))
    gold = pairs_of({r["id"]: r["dup_group"] for r in rows if r["dup_group"]})
    tp = len(found & gold)
    save("dedup_eval", {
        "config": cfg.__dict__,
        "gold_pairs": len(gold),
        "found_pairs": len(found),
        "true_pairs_found": tp,
        "pair_recall": round(tp / len(gold), 3) if gold else None,
        "pair_precision": round(tp / len(found), 3) if found else None,
        "note": "gold dup_groups include rewrites of one story by different outlets, not only copies",
    })


if __name__ == "__main__":
    main()
