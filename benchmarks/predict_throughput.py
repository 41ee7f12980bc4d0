"""TF-IDF training time and `classify predict` throughput on 20,000 articles, end to end from the CLI.

Run: python benchmarks/predict_throughput.py [--n 20000] [--config configs/tfidf.yaml] [--repeat 3]
(needs ../shared/corpus/dev.jsonl; scratch files go to benchmarks/_work/, which git ignores).

1. Replicates the dev corpus to N articles with fresh ids (JSONL) and builds a dataset from it with
   `classify build-dataset --labels <the config's taxonomy>` (timed, reported; not part of training).
2. Trains with `classify train --config CONFIG --data DATASET` in a fresh process: wall time from process
   start to the saved model, plus the fit time the model records.
3. Predicts the N articles with `classify predict --model MODEL INPUT --output OUT.jsonl` in a fresh process,
   `--repeat` times: wall time including start-up, CPU time of the whole process tree, and peak memory of
   the tree (sum of PSS over the main process and its workers, polled every 20 ms - shared pages counted
   once). The output is checked: one record per input record, in input order.
4. Predicts again with a model trained on only half of the distinct dev pages, so that half of the pages
   carry words the model never saw (the replicated corpus otherwise has no unseen words at all).

With ``--against CONFIG2`` a second model is trained the same way and the predict runs of the two alternate
(first config, second config, first, ...), so a slow spell of a shared machine hits both alike; the second
model's figures are saved under ``against``.

Figures depend on what else runs on the machine: the load average at the start of each run is recorded.
Writes benchmarks/results/predict_throughput.json (predict_throughput_<variant>.json for
configs/tfidf-<variant>.yaml).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _common import ROOT, WORK, dev_records, replicate, save


def _tree_pss_kb(root: int) -> int:
    """Sum of PSS (kB) over ``root`` and its descendants (Linux /proc)."""
    pids = [root]
    try:
        children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


def run_cli(args: list[str]) -> dict:
    """Run ``classify ARGS``: wall seconds, CPU seconds of the process tree, peak tree PSS."""
    exe = Path(sys.executable).with_name("classify")
    env = dict(os.environ, CLASSIFY_NO_PROGRESS="1")
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_pss_kb(proc.pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"classify {' '.join(args)} failed:\n{err[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": seconds, "cpu_seconds": round(cpu, 2), "peak_pss_mb": round(peak[0] / 1024, 1),
            "load_avg_1min_at_start": round(load, 2), "stdout": out, "stderr": err}


def check_output(path: Path, n: int) -> None:
    ids = [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]
    expected = [f"bench-{i:06d}" for i in range(n)]
    if ids != expected:
        raise SystemExit(f"{path}: {len(ids)} records, expected {n} in input order")


def predict_runs(model: Path, data: Path, n: int, repeat: int, jobs: int | None, work: Path) -> dict:
    return interleaved_runs([model], data, n, repeat, jobs, work)[0]


def interleaved_runs(models: list[Path], data: Path, n: int, repeat: int, jobs: int | None, work: Path) -> list[dict]:
    """``repeat`` rounds, each predicting once with every model in turn (so that a slow spell of a shared
    machine hits all of them alike); one summary per model."""
    out = work / "predict_out.jsonl"
    runs: list[list[dict]] = [[] for _ in models]
    for _ in range(repeat):
        for m, model in enumerate(models):
            args = ["predict", "--model", str(model), str(data), "--output", str(out)]
            if jobs is not None:
                args += ["--jobs", str(jobs)]
            run = run_cli(args)
            check_output(out, n)
            runs[m].append(run)
            print(f"  {model.name}: {n / run['seconds']:.0f} articles/s ({run['seconds']:.2f} s wall, "
                  f"{run['cpu_seconds']} s CPU, peak {run['peak_pss_mb']} MB, load {run['load_avg_1min_at_start']})",
                  flush=True)
    return [summarise(r, n, jobs) for r in runs]


def summarise(runs: list[dict], n: int, jobs: int | None) -> dict:
    best = min(runs, key=lambda r: r["seconds"])
    return {
        "jobs": jobs or "default (all CPUs)",
        "runs_seconds": [round(r["seconds"], 2) for r in runs],
        "best_seconds": round(best["seconds"], 2),
        "best_articles_per_s": round(n / best["seconds"], 1),
        "median_articles_per_s": round(n / statistics.median(r["seconds"] for r in runs), 1),
        "cpu_seconds_best_run": best["cpu_seconds"],
        "peak_pss_mb_max": max(r["peak_pss_mb"] for r in runs),
        "load_avg_at_start": [r["load_avg_1min_at_start"] for r in runs],
        "summary_line": best["stderr"].strip().splitlines()[0] if best["stderr"].strip() else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--config", default=str(ROOT / "configs" / "tfidf.yaml"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="*", default=[0], help="worker counts to try (0 = default)")
    parser.add_argument("--skip-half", action="store_true", help="skip the unseen-words run")
    parser.add_argument("--against", help="a second config, trained the same way; its predict runs alternate "
                                          "with the first config's (a fair comparison on a shared machine)")
    args = parser.parse_args()
    n = args.n
    name = Path(args.config).stem
    work = WORK / "predict_throughput"  # own scratch folder: other benchmarks use WORK/bench_* too
    labelled = replicate(n, work / f"bench_{n}_labelled.jsonl", fields=("id", "url", "text", "label"))
    data = replicate(n, work / f"bench_{n}.jsonl")
    dataset = work / f"bench_{n}_dataset"
    sys.path.insert(0, str(ROOT / "src"))
    from classify.config import load_config

    labels = load_config(args.config).data.labels  # the taxonomy the config trains on (e.g. with other_social)
    print(f"building a dataset of {n} articles ...", flush=True)
    build = run_cli(["build-dataset", str(labelled), "--output", str(dataset), "--no-progress"]
                    + (["--labels", labels] if labels else []))
    print(f"training {name} on it ...", flush=True)
    model = work / f"model_{name}"
    train = run_cli(["train", "--config", args.config, "--data", str(dataset), "--output", str(model), "--no-progress"])
    info = json.loads((model / "classify.json").read_text(encoding="utf-8"))

    other = None
    if args.against:
        other_name = Path(args.against).stem
        other = work / f"model_{other_name}"
        print(f"training {other_name} on it ...", flush=True)
        run_cli(["train", "--config", args.against, "--data", str(dataset), "--output", str(other), "--no-progress"])
    results = {}
    against: dict = {}
    for jobs in args.jobs:
        print(f"predicting {n} articles (jobs={jobs or 'default'}) ...", flush=True)
        key = f"jobs={jobs or 'default'}"
        if other is None:
            results[key] = predict_runs(model, data, n, args.repeat, jobs or None, work)
        else:
            results[key], against[key] = interleaved_runs([model, other], data, n, args.repeat, jobs or None, work)

    unseen = None
    if not args.skip_half:
        rows = dev_records()
        half = work / "bench_half.jsonl"
        with half.open("w", encoding="utf-8") as fh:
            for row in rows[::2]:
                fh.write(json.dumps({k: row.get(k) for k in ("id", "url", "text", "label")}, ensure_ascii=False) + "\n")
        half_model = work / f"model_{name}_half"
        run_cli(["train", "--config", args.config, "--data", str(half), "--output", str(half_model), "--no-progress"])
        print(f"predicting {n} articles with a model that saw half of the pages ...", flush=True)
        if other is None:
            unseen = predict_runs(half_model, data, n, args.repeat, None, work)
        else:
            other_half = work / f"model_{Path(args.against).stem}_half"
            run_cli(["train", "--config", args.against, "--data", str(half), "--output", str(other_half),
                     "--no-progress"])
            unseen, against["half_unseen_pages"] = interleaved_runs([half_model, other_half], data, n, args.repeat,
                                                                    None, work)

    save("predict_throughput" if name == "tfidf" else f"predict_throughput_{name.removeprefix('tfidf-')}", {
        "articles": n,
        "config": str(Path(args.config).relative_to(ROOT)) if Path(args.config).is_relative_to(ROOT) else args.config,
        "view": info["config"]["data"]["view"],
        "build_dataset": {"seconds": round(build["seconds"], 2), "peak_pss_mb": build["peak_pss_mb"]},
        "train": {"seconds_end_to_end": round(train["seconds"], 2), "fit_seconds": info["extra"]["fit_seconds"],
                  "cpu_seconds": train["cpu_seconds"], "peak_pss_mb": train["peak_pss_mb"],
                  "examples": info["extra"]["train_examples"], "cli_output": train["stdout"].strip()},
        "predict": results,
        "predict_half_unseen_pages": unseen,
        "against": {"config": args.against, "predict": against} if args.against else None,
        "targets": {"predict_articles_per_s": 3000, "train_seconds": 60},
        "note": "wall times include CLI start-up; the machine may be shared (see load_avg_at_start)",
    })


if __name__ == "__main__":
    main()
