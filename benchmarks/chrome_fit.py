"""Fit the learned line scorer of classify.articles and write its weights into configs/chrome.yaml.

The scorer (``src/classify/chrome_features.py``) re-decides, body or chrome, the lines of at least 15
characters that the rule pass placed by page *structure* (inside, before or after the body block);
title, meta and pattern-rule decisions stay final. It is two logistic regressions over
site-independent features:

* stage 1 over the line's own features (:data:`LINE_FEATURES` plus the config's keyword groups);
* stage 2 over the stage-1 log-odds of the line and of the scored lines around it and the rule
  pass's decision (:data:`CONTEXT_FEATURES`).

Gold: ``../shared/corpus/dev_chrome.jsonl`` (a tag per line). A line is positive when tagged ``body``
or ``mixed``; ``--negatives`` says which tags are negatives (default ``chrome``: the scorer learns
article text versus page chrome; title and meta lines are left out of the fit and to the rules,
which send them to their own fields). Stage 1 is also fitted on the lines of pattern-rule chrome
(share prompts, comment forms, ...): the scorer never overrides those, but they show what chrome
looks like on every site.

How one fit works (:func:`fit_scorer`, also used inside every cross-validation fold by
``benchmarks/chrome_eval.py``, so evaluation folds never see their own weights):

1. Standardise the stage-1 features on the training pages, fit an L2 logistic regression (fixed
   ``C``, no search), fold the standardisation back into raw-scale weights.
2. Stage-2 inputs must look like they will at prediction time, i.e. come from a stage-1 model that has
   not seen the page: inner ``GroupKFold`` over the training pages' *sites* gives out-of-fold stage-1
   log-odds; stage 2 is fitted on those.
3. The threshold is chosen on out-of-fold stage-2 probabilities of the training pages (a second inner
   pass): the highest threshold that still keeps ``--body-target`` of the training body lines.

``python benchmarks/chrome_fit.py [--enable | --disable]`` fits on every dev page and rewrites the
``scorer:`` section at the end of ``configs/chrome.yaml`` (feature names, weights, intercepts,
threshold and provenance numbers only; no corpus text); ``scorer.enabled`` keeps its previous value
unless one of the flags is given. Quote cross-validated figures from ``benchmarks/chrome_eval.py``,
never the in-sample figure of these weights.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import math
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from chrome_eval import CORPUS, load_pages, site_of
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from classify.articles import ChromeRules, scoring_inputs, stage1_feature_names
from classify.chrome_features import CONTEXT_FEATURES, context_matrix

CONFIG = ROOT / "configs" / "chrome.yaml"
#: gold tag -> label code (1 = body; the fit's ``negatives`` option says which of 0/2/3 count as "not body")
_CODE = {"body": 1, "mixed": 1, "chrome": 0, "title": 2, "meta": 3}
#: marker line that opens the generated section at the end of configs/chrome.yaml
MARKER = "# === scorer: written by benchmarks/chrome_fit.py"


@dataclass
class PageData:
    """Stage-1 features and gold labels of one page's lines (scored lines and pattern-rule chrome)."""

    id: str
    site: str
    x: np.ndarray  #: stage-1 features, one row per line
    y: np.ndarray  #: 1 = body (gold body/mixed), 0 = chrome, 2 = title, 3 = meta, -1 = no usable tag
    scored: np.ndarray  #: rows parse_article lets the scorer decide (the others are rule chrome)
    segments: np.ndarray  #: segment number of each row
    rule_body: np.ndarray  #: the rule pass's decision for each row


@dataclass
class FitOptions:
    """Fixed fitting choices (no search over them on evaluation pages)."""

    c1: float = 0.5  #: inverse L2 strength of stage 1
    c2: float = 0.5  #: inverse L2 strength of stage 2
    inner_folds: int = 5
    body_target: float = 0.99  #: share of training body lines (out-of-fold) the threshold must keep
    low_logit: float = 0.0
    clip_logit: float = 8.0
    stage2: bool = True
    #: gold tags fitted as "not body" (other tags are left out of the fit): chrome only, so the scorer
    #: learns what the metric asks (article text versus page chrome); title and meta lines are left to
    #: the rules, which send them to their own fields
    negatives: str = "chrome"
    drop: str = ""  #: comma-separated stage-1 features left out of the fit (weight 0)


def fit_options_of(config: Any) -> dict[str, Any]:
    """The :class:`FitOptions` recorded in a config's ``scorer.fit`` (so CV refits the shipped recipe)."""
    fit = dict(config.scorer.fit) if config.scorer is not None else {}
    names = {f.name for f in dataclasses.fields(FitOptions)}
    return {k: v for k, v in fit.items() if k in names}


def base_config(path: Path = CONFIG) -> dict[str, Any]:
    """The chrome config as a mapping, without any fitted scorer."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("scorer", None)
    return data


def collect(pages: list[dict[str, Any]], rules: ChromeRules) -> list[PageData]:
    """Stage-1 features of every page's scored and rule-chrome lines, with gold labels."""
    out = []
    for page in pages:
        si = scoring_inputs(page["text"], url=page["url"], rules=rules)
        tags = [page["lines"][i]["tag"] for i in si.line_numbers]
        y = np.array([_CODE.get(t, -1) for t in tags], dtype=np.int8)
        out.append(
            PageData(page["id"], site_of(page["url"]), si.features, y, si.scored, si.segments, si.rule_body)
        )
    return out


def _fit_lr(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """L2 logistic regression on standardised features; returns raw-scale weights and intercept."""
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd < 1e-9] = 1.0
    lr = LogisticRegression(C=c, max_iter=5000)
    lr.fit((x - mu) / sd, y)
    w = lr.coef_[0] / sd
    b = float(lr.intercept_[0] - np.dot(lr.coef_[0], mu / sd))
    return w, b


def _stack(data: list[PageData], attr: str) -> np.ndarray:
    return np.concatenate([getattr(d, attr) for d in data]) if data else np.zeros(0)


def _keep_mask(names: tuple[str, ...], opts: FitOptions) -> np.ndarray:
    """1 for the stage-1 columns that are fitted, 0 for those in ``opts.drop``."""
    drop = {f for f in opts.drop.split(",") if f}
    unknown = drop - set(names)
    if unknown:
        raise SystemExit(f"--drop: unknown feature(s) {sorted(unknown)}")
    return np.array([0.0 if n in drop else 1.0 for n in names])


def _binary(y: np.ndarray, opts: FitOptions) -> np.ndarray:
    """Label codes to 1 (body) / 0 (a negative tag) / -1 (left out of the fit)."""
    neg = [_CODE[t] for t in opts.negatives.split(",")]
    return np.where(y == 1, 1, np.where(np.isin(y, neg), 0, -1)).astype(np.int8)


def _labelled(
    data: list[PageData], names: tuple[str, ...], opts: FitOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Stacked stage-1 rows with a 0/1 label (rows left out of the fit removed, dropped columns zeroed)."""
    x = np.concatenate([d.x for d in data]) * _keep_mask(names, opts)
    y = _binary(np.concatenate([d.y for d in data]), opts)
    m = y >= 0
    return x[m], y[m]


def _stage1_oof(data: list[PageData], names: tuple[str, ...], opts: FitOptions) -> list[np.ndarray]:
    """Out-of-fold stage-1 log-odds per page (inner GroupKFold over sites)."""
    groups = [d.site for d in data]
    z: list[np.ndarray | None] = [None] * len(data)
    folds = min(opts.inner_folds, len(set(groups)))
    for tr, te in GroupKFold(n_splits=folds).split(np.zeros(len(data)), groups=groups):
        w, b = _fit_lr(*_labelled([data[i] for i in tr], names, opts), opts.c1)
        for i in te:
            z[i] = data[i].x @ w + b
    return [v if v is not None else np.zeros(0) for v in z]


def _contexts(data: list[PageData], zs: list[np.ndarray], opts: FitOptions) -> list[np.ndarray]:
    """Stage-2 feature matrices of the scored rows, built from stage-1 log-odds as parse_article does."""
    out = []
    for d, z in zip(data, zs, strict=True):
        zc = np.clip(z[d.scored], -opts.clip_logit, opts.clip_logit).tolist()
        rows = context_matrix(
            zc, d.segments[d.scored].tolist(), d.rule_body[d.scored].tolist(), opts.low_logit
        )
        out.append(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(CONTEXT_FEATURES)))
    return out


def _choose_threshold(p: np.ndarray, y: np.ndarray, target: float) -> float:
    """Highest threshold keeping at least ``target`` of the positives (p >= threshold is body)."""
    pos = np.sort(p[y == 1])
    if len(pos) == 0:
        return 0.5
    k = math.floor((1.0 - target) * len(pos))  # positives we may lose
    thr = float(pos[k]) if k < len(pos) else 0.5
    return float(min(max(thr, 0.02), 0.98))


def fit_scorer(data: list[PageData], names: tuple[str, ...], opts: FitOptions) -> dict[str, Any]:
    """Fit both stages and the threshold on ``data``; returns the ``scorer:`` config mapping."""
    w1, b1 = _fit_lr(*_labelled(data, names, opts), opts.c1)
    scorer: dict[str, Any] = {
        "enabled": True,
        "threshold": 0.5,
        "low_logit": opts.low_logit,
        "clip_logit": opts.clip_logit,
        "stage1": {"features": list(names), "weights": [float(v) for v in w1], "intercept": b1},
    }
    groups = [d.site for d in data]
    folds = min(opts.inner_folds, len(set(groups)))
    ys = [_binary(d.y[d.scored], opts) for d in data]  # stage 2 and the threshold: scored lines only
    z_oof = _stage1_oof(data, names, opts)
    if opts.stage2:
        ctx = _contexts(data, z_oof, opts)
        x2 = np.concatenate(ctx)
        y2 = np.concatenate(ys)
        m = y2 >= 0
        w2, b2 = _fit_lr(x2[m], y2[m], opts.c2)
        scorer["stage2"] = {
            "features": list(CONTEXT_FEATURES),
            "weights": [float(v) for v in w2],
            "intercept": b2,
        }
        # out-of-fold stage-2 probabilities for the threshold
        p_oof: list[np.ndarray | None] = [None] * len(data)
        for tr, te in GroupKFold(n_splits=folds).split(np.zeros(len(data)), groups=groups):
            xa = np.concatenate([ctx[i] for i in tr])
            ya = np.concatenate([ys[i] for i in tr])
            ma = ya >= 0
            wa, ba = _fit_lr(xa[ma], ya[ma], opts.c2)
            for i in te:
                p_oof[i] = 1 / (1 + np.exp(-(ctx[i] @ wa + ba)))
        p = np.concatenate([v for v in p_oof if v is not None])
    else:
        p = 1 / (1 + np.exp(-np.concatenate([z[d.scored] for d, z in zip(data, z_oof, strict=True)])))
    y = np.concatenate(ys)
    m = y >= 0
    scorer["threshold"] = _choose_threshold(p[m], y[m], opts.body_target)
    return scorer


def rules_with(base: dict[str, Any], scorer: dict[str, Any] | None) -> ChromeRules:
    """A ChromeRules from the base config plus a fitted scorer (``None``: rules only)."""
    data = copy.deepcopy(base)
    if scorer is not None:
        data["scorer"] = scorer
    return ChromeRules.from_dict(data, source="<fitted>")


def _round(v: float) -> float:
    return float(f"{v:.6g}")


def write_config(path: Path, scorer: dict[str, Any]) -> None:
    """Replace the generated ``scorer:`` section at the end of the config file (comments above it stay)."""
    text = path.read_text(encoding="utf-8")
    cut = text.find(MARKER)
    head = text[:cut].rstrip("\n") + "\n\n" if cut >= 0 else text.rstrip("\n") + "\n\n"
    s = copy.deepcopy(scorer)
    s = {"enabled": s.pop("enabled", True), **s}
    for stage in ("stage1", "stage2"):
        if stage in s:
            s[stage]["weights"] = [_round(v) for v in s[stage]["weights"]]
            s[stage]["intercept"] = _round(s[stage]["intercept"])
    s["threshold"] = _round(s["threshold"])

    def flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(list, flow_list)
    body = yaml.dump({"scorer": s}, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100)
    section = (
        f"{MARKER} (do not edit by hand; rerun it) ===\n"
        "# Learned line scorer (src/classify/chrome_features.py): two logistic regressions whose\n"
        "# weights are on the raw feature scale. stage1 scores each line from its own features, stage2\n"
        "# from the stage-1 log-odds of the line and its neighbours; a line is body when the stage-2\n"
        "# probability reaches `threshold`. `enabled` says whether parse_article uses it (set with\n"
        "# --enable/--disable; off by default: see benchmarks/chrome_eval.py for the site-grouped CV\n"
        "# figures with and without it). `fit` records how the weights were obtained.\n"
    )
    path.write_text(head + section + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=str(CONFIG), help="config to read and rewrite")
    ap.add_argument("--dry-run", action="store_true", help="fit and print, do not write the config")
    ap.add_argument("--body-target", type=float, default=FitOptions.body_target)
    ap.add_argument("--negatives", default=FitOptions.negatives, help="gold tags fitted as 'not body'")
    onoff = ap.add_mutually_exclusive_group()
    onoff.add_argument("--enable", action="store_true", help="write scorer.enabled: true")
    onoff.add_argument("--disable", action="store_true", help="write scorer.enabled: false")
    args = ap.parse_args(argv)
    if not (CORPUS / "dev_chrome.jsonl").is_file():
        print(f"corpus not found at {CORPUS}; nothing to fit", file=sys.stderr)
        return 1
    path = Path(args.config)
    previous = yaml.safe_load(path.read_text(encoding="utf-8")).get("scorer") or {}
    enabled = True if args.enable else False if args.disable else bool(previous.get("enabled", True))
    base = base_config(path)
    rules = rules_with(base, None)
    pages = load_pages()
    data = collect(pages, rules)
    names = stage1_feature_names(rules)
    opts = FitOptions(body_target=args.body_target, negatives=args.negatives)
    scorer = fit_scorer(data, names, opts)
    scorer["enabled"] = enabled
    y = _binary(_stack(data, "y"), opts)
    scorer["fit"] = {
        "script": "benchmarks/chrome_fit.py",
        "pages": len(pages),
        "sites": len({d.site for d in data}),
        "lines": int((y >= 0).sum()),
        "body_lines": int((y == 1).sum()),
        **dataclasses.asdict(opts),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "note": "fitted on all dev pages; quote the site-grouped CV figure of benchmarks/chrome_eval.py",
    }
    top = sorted(zip(names, scorer["stage1"]["weights"], strict=True), key=lambda kv: -abs(kv[1]))[:12]
    print("stage 1 largest weights:", ", ".join(f"{n} {w:+.2f}" for n, w in top))
    if "stage2" in scorer:
        s2 = scorer["stage2"]
        print("stage 2 weights:", ", ".join(f"{n} {w:+.2f}" for n, w in zip(s2["features"], s2["weights"])))
    print(f"threshold {scorer['threshold']:.3f}; enabled: {enabled}")
    if not args.dry_run:
        write_config(path, scorer)
        ChromeRules.load(path)  # validates what was written
        print(f"wrote scorer into {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
