"""Measure page-chrome detection (classify.articles.parse_article) against line-level gold.

Gold: ``../shared/corpus/dev_chrome.jsonl`` tags every line of each dev page ``title``, ``meta``,
``body``, ``chrome``, ``mixed`` or ``empty``; ``../shared/corpus/dev.jsonl`` gives the page text and URL.

What is measured (lines of at least ``MIN_CHARS`` = 15 characters after stripping):

* body kept: share of gold ``body`` lines whose segment is kind ``body`` (in ``Article.text``).
* chrome dropped: share of gold ``chrome`` lines whose segment is not kind ``body``, leaving out chrome
  lines that only repeat the article's own words (see :func:`repeats_own_words`); those are reported
  separately. A line whose segment was removed entirely (a pure ``date …`` prefix) counts as dropped.
* title: share of gold ``title`` lines out of the body text, and share found in ``Article.title``
  (equal after normalisation, or one containing the other); and, per page with gold title lines,
  the share of pages whose ``Article.title`` is one of them.
* meta: share of gold ``meta`` lines out of the body text; mixed lines are reported without a target.
* errors (body lines dropped, chrome lines kept) per site (domain of the page URL) and per deciding rule
  (``Segment.reason``); speed in µs per parse_article call.

Protocols (all printed, all written to the JSON):

1. **Site-grouped cross-validation of the learned scorer** (the figure to quote). Pages are grouped by
   site and split with ``GroupKFold(--folds)``; for each fold the scorer is fitted on the other folds
   with ``chrome_fit.fit_scorer`` (weights, stage 2 and threshold all fitted inside the fold, inner
   folds grouped by site too) and the held-out fold is parsed with those weights; the held-out
   predictions of all folds are pooled. Caveat: the *rules* (configs/chrome.yaml) have no fitted
   parameters and were written while looking at the dev pages, so every fold benefits from them.
2. **Rules only** (scorer off) on all pages, and on the two parts of the earlier protocol (``tune``:
   sha1(id) last hex digit < 'b', the part the first rules were developed on; ``heldout``: the rest).
3. **Earlier protocol for the scorer**: fitted on the ``tune`` part, scored on the ``heldout`` part.
4. **Shipped config** as it is (``scorer.enabled`` decides whether the fitted weights are used): an
   in-sample figure when the scorer is on, for reference only.

The JSON written under ``benchmarks/results/`` holds figures, ids, line numbers and rule names only:
never corpus text (dev text must not enter the repository). ``--show-errors`` prints the pooled CV
error lines to the terminal.

Run:  python benchmarks/chrome_eval.py [--folds 5] [--rounds 5] [--show-errors] [--config FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

sys.path.insert(0, str(ROOT / "benchmarks"))

from classify.articles import ChromeRules, default_config_path, parse_article
from classify.text import turkish_lower

CORPUS = ROOT.parent / "shared" / "corpus"
RESULTS = ROOT / "benchmarks" / "results"
MIN_CHARS = 15
#: a chrome line whose tokens are at least this share inside the article's own title/body vocabulary
#: only repeats the article's own words (a headline shown twice, a spot restated)
REPEAT_TOKEN_SHARE = 0.8
_NON_ALNUM = re.compile(r"[^\w]+|_")


def part_of(page_id: str) -> str:
    """Deterministic split: ``tune`` when sha1(id)'s last hex digit is below 'b' (~69 %), else ``heldout``."""
    return "tune" if hashlib.sha1(page_id.encode("utf-8")).hexdigest()[-1] < "b" else "heldout"


def norm_tokens(s: str) -> list[str]:
    """turkish_lower, alphanumeric tokens only."""
    return [t for t in _NON_ALNUM.split(turkish_lower(s)) if t]


def repeats_own_words(line: str, own_lines: list[str]) -> bool:
    """True when a chrome line only repeats the article's own words.

    Definition (fixed before measuring): let ``own`` be the page's gold ``title``, ``body`` and
    ``mixed`` lines. Normalise every line to its turkish_lower'ed alphanumeric tokens joined by single
    spaces. The chrome line repeats the article if its normalised text is contained in the normalised
    text of one of the ``own`` lines, or if at least 80 % of its tokens (as a set) occur among the
    tokens of the ``own`` lines. Examples: the headline printed again above the body, a summary
    line restating the lead, "Kategori + headline" breadcrumbs.
    """
    toks = norm_tokens(line)
    if not toks:
        return True
    joined = " ".join(toks)
    own_norm = [" ".join(norm_tokens(x)) for x in own_lines]
    if any(joined in o for o in own_norm):
        return True
    vocab = {t for o in own_norm for t in o.split()}
    tset = set(toks)
    return len(tset & vocab) / len(tset) >= REPEAT_TOKEN_SHARE


def _relative(path: str) -> str:
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return path


def site_of(url: str | None) -> str:
    if not url:
        return "<no url>"
    host = urlparse(url).netloc.lower()
    for prefix in ("www.", "m.", "amp."):
        host = host.removeprefix(prefix)
    return host or "<no host>"


def load_pages() -> list[dict[str, Any]]:
    dev = {}
    with open(CORPUS / "dev.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            dev[r["id"]] = r
    pages = []
    with open(CORPUS / "dev_chrome.jsonl", encoding="utf-8") as f:
        for line in f:
            g = json.loads(line)
            r = dev[g["id"]]
            pages.append(
                {
                    "id": g["id"],
                    "url": r.get("url"),
                    "text": r["text"],
                    "lines": g["lines"],
                    "part": part_of(g["id"]),
                }
            )
    return pages


def _title_match(gold: str, title: str | None) -> bool:
    if not title:
        return False
    a, b = " ".join(norm_tokens(gold)), " ".join(norm_tokens(title))
    return bool(a) and bool(b) and (a == b or a in b or b in a)


class _Tally:
    """Counts and error records accumulated over pages (several folds pool into one tally)."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []
        self.by_site: dict[str, Counter[str]] = defaultdict(Counter)
        self.by_reason: Counter[str] = Counter()


def evaluate(pages: list[dict[str, Any]], rules: ChromeRules) -> dict[str, Any]:
    """Score one part of the dev set; returns counts, rates and error records (ids/lines/reasons only)."""
    tally = _Tally()
    tally_pages(pages, rules, tally)
    return summarise(tally)


def tally_pages(pages: list[dict[str, Any]], rules: ChromeRules, tally: _Tally) -> None:
    """Parse ``pages`` with ``rules`` and add their line counts and errors to ``tally``."""
    c, errors, by_site, by_reason = tally.c, tally.errors, tally.by_site, tally.by_reason
    for page in pages:
        art = parse_article(page["text"], id=page["id"], url=page["url"], rules=rules)
        kind_of = {s.line: s for s in art.segments}
        own = [ln["text"] for ln in page["lines"] if ln["tag"] in ("title", "body", "mixed")]
        site = site_of(page["url"])
        for i, ln in enumerate(page["lines"]):
            tag, txt = ln["tag"], ln["text"]
            if tag == "empty" or len(txt.strip()) < MIN_CHARS:
                continue
            seg = kind_of.get(i)
            in_body = seg is not None and seg.kind == "body"
            reason = seg.reason if seg is not None else "no_segment"
            if tag == "body":
                c["body"] += 1
                c["body_kept"] += in_body
                if not in_body:
                    errors.append(
                        {
                            "id": page["id"],
                            "line": i,
                            "gold": "body",
                            "site": site,
                            "reason": reason,
                            "role": seg.role if seg else None,
                        }
                    )
                    by_site[site]["body_dropped"] += 1
                    by_reason[f"body dropped by {reason}"] += 1
            elif tag == "chrome":
                if repeats_own_words(txt, own):
                    c["chrome_repeat"] += 1
                    c["chrome_repeat_dropped"] += not in_body
                    continue
                c["chrome"] += 1
                c["chrome_dropped"] += not in_body
                if in_body:
                    errors.append(
                        {
                            "id": page["id"],
                            "line": i,
                            "gold": "chrome",
                            "site": site,
                            "reason": reason,
                            "role": seg.role if seg else None,
                        }
                    )
                    by_site[site]["chrome_kept"] += 1
                    by_reason[f"chrome kept by {reason}"] += 1
            elif tag == "title":
                c["title"] += 1
                c["title_out_of_body"] += not in_body
                c["title_in_field"] += _title_match(txt, art.title)
            elif tag == "meta":
                c["meta"] += 1
                c["meta_out_of_body"] += not in_body
            elif tag == "mixed":
                c["mixed"] += 1
                c["mixed_kept"] += in_body
        c["pages"] += 1
        c["pages_with_title"] += art.title is not None
        gold_titles = [ln["text"] for ln in page["lines"] if ln["tag"] == "title"]
        if gold_titles:
            c["pages_gold_title"] += 1
            c["pages_title_found"] += any(_title_match(t, art.title) for t in gold_titles)


def summarise(tally: _Tally) -> dict[str, Any]:
    """Rates, per-site and per-rule error counts and the error records of a tally."""
    c, errors, by_site, by_reason = tally.c, tally.errors, tally.by_site, tally.by_reason

    def rate(num: str, den: str) -> float | None:
        return round(c[num] / c[den], 4) if c[den] else None

    return {
        "pages": c["pages"],
        "counts": dict(c),
        "body_kept": rate("body_kept", "body"),
        "chrome_dropped": rate("chrome_dropped", "chrome"),
        "chrome_repeat_dropped": rate("chrome_repeat_dropped", "chrome_repeat"),
        "title_out_of_body": rate("title_out_of_body", "title"),
        "title_in_field": rate("title_in_field", "title"),
        "pages_title_found": rate("pages_title_found", "pages_gold_title"),
        "meta_out_of_body": rate("meta_out_of_body", "meta"),
        "mixed_kept": rate("mixed_kept", "mixed"),
        "errors_by_site": {
            s: dict(v) for s, v in sorted(by_site.items(), key=lambda kv: -sum(kv[1].values()))
        },
        "errors_by_reason": dict(by_reason.most_common()),
        "errors": errors,
    }


def naive_baseline(pages: list[dict[str, Any]]) -> dict[str, float | None]:
    """For scale: drop lines under 40 characters and lines containing a few chrome keywords."""
    kw = ("paylaş", "yorum", "abone", "reklam", "haberin devamı", "ilginizi", "çerez", "tıkla", "e-posta")
    c: Counter[str] = Counter()
    for page in pages:
        own = [ln["text"] for ln in page["lines"] if ln["tag"] in ("title", "body", "mixed")]
        for ln in page["lines"]:
            tag, txt = ln["tag"], ln["text"].strip()
            if len(txt) < MIN_CHARS or tag not in ("body", "chrome"):
                continue
            keep = len(txt) >= 40 and not any(k in turkish_lower(txt) for k in kw)
            if tag == "body":
                c["body"] += 1
                c["kept"] += keep
            elif not repeats_own_words(txt, own):
                c["chrome"] += 1
                c["dropped"] += not keep
    return {
        "body_kept": round(c["kept"] / c["body"], 4) if c["body"] else None,
        "chrome_dropped": round(c["dropped"] / c["chrome"], 4) if c["chrome"] else None,
    }


def speed(pages: list[dict[str, Any]], rules: ChromeRules, rounds: int) -> dict[str, float]:
    """µs per parse_article call over all dev pages: median over rounds of wall and CPU (process) time.

    CPU time is less inflated than wall time when other jobs share the machine; both are reported.
    """
    texts = [(p["text"], p["url"]) for p in pages]
    wall, cpu = [], []
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        for text, url in texts:
            parse_article(text, url=url, rules=rules)
        wall.append((time.perf_counter() - t0) / len(texts) * 1e6)
        cpu.append((time.process_time() - c0) / len(texts) * 1e6)
    return {
        "us_per_article": round(statistics.median(wall), 1),
        "us_per_article_min": round(min(wall), 1),
        "cpu_us_per_article": round(statistics.median(cpu), 1),
        "cpu_us_per_article_min": round(min(cpu), 1),
        "mean_chars": round(statistics.fmean(len(t) for t, _ in texts), 1),
        "rounds": rounds,
    }


def show_errors(pages: list[dict[str, Any]], result: dict[str, Any], limit: int) -> None:
    """Print error lines (stdout only, never written to disk)."""
    by_id = {p["id"]: p for p in pages}
    for err in result["errors"][:limit]:
        txt = by_id[err["id"]]["lines"][err["line"]]["text"]
        print(
            f"  [{err['gold']:6} -> {err['role']}/{err['reason']}] {err['id']} {err['site']}: {txt[:140]!r}"
        )


def _line(name: str, res: dict[str, Any]) -> None:
    """Print the headline figures of one result."""
    cnt = res["counts"]
    print(f"== {name}: {res['pages']} pages")
    print(
        f"  body kept        {res['body_kept']:.2%}  ({cnt.get('body_kept', 0)}/{cnt.get('body', 0)} lines)"
    )
    print(
        f"  chrome dropped   {res['chrome_dropped']:.2%}  ({cnt.get('chrome_dropped', 0)}/{cnt.get('chrome', 0)};"
        f" repeats of own words left out: {cnt.get('chrome_repeat', 0)}, of which dropped "
        f"{res['chrome_repeat_dropped'] or 0:.0%})"
    )
    print(
        f"  title out of body {res['title_out_of_body']:.2%}, in Article.title {res['title_in_field']:.2%}"
        f"  ({cnt.get('title', 0)} lines); pages whose Article.title is a gold title line "
        f"{res['pages_title_found']:.2%} ({cnt.get('pages_gold_title', 0)} pages)"
    )
    print(f"  meta out of body {res['meta_out_of_body']:.2%}  ({cnt.get('meta', 0)} lines)")
    if res["mixed_kept"] is not None:
        print(f"  mixed kept       {res['mixed_kept']:.2%}  ({cnt.get('mixed', 0)} lines)")


def _sites(res: dict[str, Any], n: int = 25) -> None:
    print(
        "  errors by site:",
        ", ".join(
            f"{s} {'+'.join(f'{v}{k[0]}' for k, v in sorted(e.items()))}"
            for s, e in list(res["errors_by_site"].items())[:n]
        ),
        "(b = body lines dropped, c = chrome lines kept)",
    )
    print("  errors by rule:", ", ".join(f"{r}: {n}" for r, n in res["errors_by_reason"].items()))


def cross_validate(
    pages: list[dict[str, Any]], base: dict[str, Any], folds: int, opts: Any = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Site-grouped CV of the scorer: pooled result, per-part results and per-fold fit facts."""
    import chrome_fit
    import numpy as np
    from sklearn.model_selection import GroupKFold

    opts = opts or chrome_fit.FitOptions()
    rules0 = chrome_fit.rules_with(base, None)
    data = chrome_fit.collect(pages, rules0)
    names = chrome_fit.stage1_feature_names(rules0)
    groups = [site_of(p["url"]) for p in pages]
    pooled = _Tally()
    parts = {"tune": _Tally(), "heldout": _Tally()}
    fold_info = []
    splitter = GroupKFold(n_splits=folds)
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(pages)), groups=groups)):
        scorer = chrome_fit.fit_scorer([data[i] for i in tr], names, opts)
        rules = chrome_fit.rules_with(base, scorer)
        test = [pages[i] for i in te]
        tally_pages(test, rules, pooled)
        for name, t in parts.items():
            tally_pages([p for p in test if p["part"] == name], rules, t)
        fold_info.append(
            {
                "fold": k,
                "train_pages": len(tr),
                "test_pages": len(te),
                "test_sites": len({groups[i] for i in te}),
                "threshold": round(scorer["threshold"], 4),
            }
        )
    return summarise(pooled), {n: summarise(t) for n, t in parts.items()}, fold_info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=None, help="chrome config (default: the packaged one)")
    ap.add_argument("--folds", type=int, default=5, help="site-grouped CV folds")
    ap.add_argument("--rounds", type=int, default=5, help="speed rounds over all dev pages")
    ap.add_argument("--show-errors", action="store_true", help="print the pooled CV error lines")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--output", default=str(RESULTS / "chrome_eval.json"))
    args = ap.parse_args(argv)

    if not (CORPUS / "dev_chrome.jsonl").is_file():
        print(f"corpus not found at {CORPUS}; nothing to measure", file=sys.stderr)
        return 1
    import chrome_fit

    config_path = Path(args.config) if args.config else default_config_path()
    shipped = ChromeRules.load(config_path)
    base = chrome_fit.base_config(config_path)
    rules_only = chrome_fit.rules_with(base, None)
    pages = load_pages()
    tune = [p for p in pages if p["part"] == "tune"]
    heldout = [p for p in pages if p["part"] == "heldout"]
    out: dict[str, Any] = {
        "min_chars": MIN_CHARS,
        "repeat_token_share": REPEAT_TOKEN_SHARE,
        "config": _relative(str(config_path)),
        "scorer_enabled": bool(shipped.config.scorer and shipped.config.scorer.enabled),
        "naive_baseline": naive_baseline(pages),
    }

    # 1. site-grouped CV of the scorer (fitted inside each fold)
    opts = chrome_fit.FitOptions(**chrome_fit.fit_options_of(shipped.config))
    cv, cv_parts, folds = cross_validate(pages, base, args.folds, opts)
    out["cv"] = {
        "protocol": f"GroupKFold({args.folds}) over sites; scorer fitted inside each fold; pooled",
        "fit_options": vars(opts),
        "folds": folds,
        **cv,
        "by_part": {n: {k: v for k, v in r.items() if k != "errors"} for n, r in cv_parts.items()},
    }
    _line(f"rules + scorer, site-grouped {args.folds}-fold CV (pooled held-out folds)", cv)
    _sites(cv)
    for n, r in cv_parts.items():
        print(
            f"  ... on the '{n}' pages: body kept {r['body_kept']:.2%}, chrome dropped {r['chrome_dropped']:.2%}"
        )
    if args.show_errors:
        show_errors(pages, cv, args.limit)

    # 2. rules only
    out["rules_only"] = {"all": evaluate(pages, rules_only)}
    _line("rules only (no fitted parameters; written while looking at these pages)", out["rules_only"]["all"])
    _sites(out["rules_only"]["all"])
    for name, ps in (("tune", tune), ("heldout", heldout)):
        r = evaluate(ps, rules_only)
        out["rules_only"][name] = r
        print(
            f"  ... on the '{name}' pages: body kept {r['body_kept']:.2%}, chrome dropped {r['chrome_dropped']:.2%}"
        )

    # 3. earlier protocol: scorer fitted on the tune part, scored on the held-out part
    data_tune = chrome_fit.collect(tune, rules_only)
    scorer_tune = chrome_fit.fit_scorer(data_tune, chrome_fit.stage1_feature_names(rules_only), opts)
    r = evaluate(heldout, chrome_fit.rules_with(base, scorer_tune))
    out["tune_to_heldout"] = r
    print(
        f"== scorer fitted on 'tune', scored on 'heldout': body kept {r['body_kept']:.2%}, "
        f"chrome dropped {r['chrome_dropped']:.2%}, title out of body {r['title_out_of_body']:.2%}"
    )

    # 4. shipped config as it is
    if out["scorer_enabled"]:
        r = evaluate(pages, shipped)
        out["shipped_in_sample"] = r
        print(
            f"== shipped config (scorer fitted on all dev: IN-SAMPLE, do not quote): body kept "
            f"{r['body_kept']:.2%}, chrome dropped {r['chrome_dropped']:.2%}"
        )
    nb = out["naive_baseline"]
    print(f"== naive baseline: body kept {nb['body_kept']:.2%}, chrome dropped {nb['chrome_dropped']:.2%}")

    # 5. speed
    with_scorer = shipped
    if not out["scorer_enabled"] and shipped.config.scorer is not None:
        data = shipped.config.model_dump()
        data["scorer"]["enabled"] = True
        with_scorer = ChromeRules.from_dict(data, source="<scorer on>")
    out["speed"] = {"rules_only": speed(pages, rules_only, args.rounds)}
    if with_scorer.config.scorer is not None:
        out["speed"]["rules_and_scorer"] = speed(pages, with_scorer, args.rounds)
    for name, sp in out["speed"].items():
        print(
            f"== speed {name}: {sp['us_per_article']} µs/article wall, {sp['cpu_us_per_article']} µs CPU "
            f"(median of {args.rounds} rounds; best CPU {sp['cpu_us_per_article_min']}), mean page "
            f"{sp['mean_chars']} chars; noisy when other jobs share the machine"
        )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
