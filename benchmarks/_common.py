"""Shared bits of the benchmark scripts: corpus replication, timing a CLI run, machine facts, results."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
RESULTS = ROOT / "benchmarks" / "results"
DEV = ROOT.parent / "shared" / "corpus" / "dev.jsonl"


def dev_records() -> list[dict]:
    """The dev corpus (exits with a message when ../shared/corpus is absent)."""
    if not DEV.is_file():
        sys.exit(f"skipped: {DEV} not found (the dev corpus lives in ../shared/corpus)")
    with DEV.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def replicate(n: int, path: Path, fields: tuple[str, ...] = ("id", "url", "text")) -> Path:
    """Write ``n`` dev records (cycled, fresh ids ``bench-000001``...) as JSONL to ``path``."""
    rows = dev_records()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            row = {k: rows[i % len(rows)].get(k) for k in fields}
            row["id"] = f"bench-{i:06d}"
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def run_cli(args: list[str]) -> dict:
    """Run ``classify ARGS`` in a fresh process; wall time and the child's peak RSS."""
    exe = Path(sys.executable).with_name("classify")
    env = dict(os.environ, CLASSIFY_NO_PROGRESS="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"classify {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": seconds, "peak_rss_mb": round(max(peak_kb, before) / 1024, 1), "stdout": proc.stdout}


def machine() -> dict:
    """Facts about where the figures were taken."""
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def save(name: str, result: dict) -> Path:
    """Write ``benchmarks/results/NAME.json`` and print the result."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    result = {"machine": machine(), **result}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return out
