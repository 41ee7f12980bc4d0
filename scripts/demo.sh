#!/usr/bin/env bash
# The main job on the embedded default corpus (seeds/): dataset -> TF-IDF baseline -> evaluation report
# -> batch predictions -> briefs. Everything lands under models/seeds/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
classify() { .venv/bin/classify "$@"; }
OUT=${1:-models/seeds}
classify build-dataset seeds --output "$OUT/dataset"
classify train --config configs/tfidf.yaml --data "$OUT/dataset" --output "$OUT/tfidf"
# Five seed pages give no held-out split: this report scores the training fit, and says so in a warning.
classify evaluate --model "$OUT/tfidf" --data "$OUT/dataset" --split all --report "$OUT/report"
classify predict --model "$OUT/tfidf" seeds --output "$OUT/predictions.jsonl"
classify summarize seeds --model "$OUT/tfidf" --output "$OUT/briefs.jsonl"
echo "Report: $OUT/report/report.md  Predictions: $OUT/predictions.jsonl  Briefs: $OUT/briefs.jsonl"
