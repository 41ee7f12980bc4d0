"""`classify build-dataset` throughput on 20,000 articles (dev replicated with fresh ids), end to end.

Run: python benchmarks/build_throughput.py [N]   (needs ../shared/corpus/dev.jsonl)
Note: RUSAGE_CHILDREN peak RSS is the largest of this script's children, measured per fresh process.
"""

from __future__ import annotations

import sys

from _common import WORK, replicate, run_cli, save


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    data = replicate(n, WORK / f"bench_{n}.jsonl")
    run = run_cli(["build-dataset", str(data), "--output", str(WORK / f"bench_{n}_dataset"), "--no-progress"])
    save("build_throughput", {
        "articles": n,
        "seconds": round(run["seconds"], 2),
        "articles_per_s": round(n / run["seconds"], 1),
        "peak_rss_mb": run["peak_rss_mb"],
        "cli_output": run["stdout"].strip(),
        "target_articles_per_s": 300,
    })


if __name__ == "__main__":
    main()
