"""ROUGE-1/2/L with Turkish-aware tokenisation, as a local ``evaluate`` module.

Why not ``rouge_score``: its default tokenizer lower-cases with Python's ``str.lower`` and then replaces
every character outside ``[a-z0-9]`` with a space, so ``Çocuk Hizmetleri Genel Müdürlüğü`` becomes
``ocuk hizmetleri genel m d rl``: Turkish letters split words into fragments that then match fragments of
unrelated words (``Müdürü`` → ``m d r``), and ``İ``/``I`` are lower-cased wrongly. Here tokens come from
:func:`classify.text.word_tokens` (Unicode letters, Turkish casing, numbers kept whole, apostrophe suffixes
dropped: ``Müdürlüğü'nün`` → ``müdürlüğü``). ``stem_length`` optionally cuts tokens to a prefix (prefix
stemming, useful for Turkish's suffixing morphology).

Scores are the usual ones (Lin, 2004): n-gram overlap precision/recall/F1 for ROUGE-1/2 and longest-common-
subsequence precision/recall/F1 for ROUGE-L, one reference per prediction; with several references the best
F1 is kept. Aggregation is the mean over examples (no bootstrap).

Load offline with ``evaluate.load("<path to this folder>")``.
"""

from __future__ import annotations

from collections import Counter

import datasets
import evaluate
import numpy as np

from classify.text import word_tokens

_DESCRIPTION = "ROUGE-1, ROUGE-2 and ROUGE-L (F1) with a Unicode, Turkish-cased tokenizer (classify.text.word_tokens)."

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of str - generated summaries.
    references: list of str, or list of list of str (several references; the best F1 counts).
    rouge_types: list of str - any of "rouge1", "rouge2", "rougeL" (default: all three).
    use_aggregator: bool - mean over examples (default) or one score per example.
    stem_length: int or None - cut tokens to this many characters (prefix stemming); None keeps words.
    measure: "fmeasure" (default), "precision" or "recall".
Returns:
    {"rouge1": float, "rouge2": float, "rougeL": float} (lists with use_aggregator=False).
Examples:
    >>> rouge = evaluate.load("src/classify/metrics/rouge_tr")
    >>> rouge.compute(predictions=["ÇOCUK HİZMETLERİ GENEL MÜDÜRLÜĞÜ"],
    ...               references=["Çocuk Hizmetleri Genel Müdürlüğü"])["rouge1"]
    1.0
"""

_CITATION = """\
@inproceedings{lin-2004-rouge,
  title = "{ROUGE}: A Package for Automatic Evaluation of Summaries",
  author = "Lin, Chin-Yew", booktitle = "Text Summarization Branches Out", year = "2004",
  publisher = "Association for Computational Linguistics", pages = "74--81"
}
"""

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def tokens(text: str, stem_length: int | None = None) -> list[str]:
    """The tokens ROUGE compares: Turkish-cased word tokens, optionally prefix-stemmed."""
    toks = word_tokens(text)
    return [t[:stem_length] for t in toks] if stem_length else toks


def _prf(overlap: float, pred_total: int, ref_total: int) -> tuple[float, float, float]:
    p = overlap / pred_total if pred_total else 0.0
    r = overlap / ref_total if ref_total else 0.0
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return p, r, f


def ngram_scores(pred: list[str], ref: list[str], n: int) -> tuple[float, float, float]:
    """Precision, recall, F1 of clipped n-gram overlap."""
    pc = Counter(zip(*(pred[i:] for i in range(n))))
    rc = Counter(zip(*(ref[i:] for i in range(n))))
    overlap = sum((pc & rc).values())
    return _prf(overlap, sum(pc.values()), sum(rc.values()))


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence (dynamic programming, one numpy row per token of ``a``)."""
    if not a or not b:
        return 0
    b_arr = np.array(b, dtype=object)
    prev = np.zeros(len(b) + 1, dtype=np.int32)
    for tok in a:
        # cur[j+1] = prev[j] + 1 on a match, else max(prev[j+1], cur[j]). Since cur[j] <= prev[j] + 1 always,
        # both cases are the running maximum of "prev[j] + 1 where a match, prev[j+1] elsewhere".
        cand = np.where(b_arr == tok, prev[:-1] + 1, prev[1:])
        cur = np.zeros_like(prev)
        cur[1:] = np.maximum.accumulate(cand)
        prev = cur
    return int(prev[-1])


def lcs_scores(pred: list[str], ref: list[str]) -> tuple[float, float, float]:
    """Precision, recall, F1 of the longest common subsequence."""
    return _prf(lcs_length(pred, ref), len(pred), len(ref))


class RougeTr(evaluate.Metric):
    """Turkish-aware ROUGE (see the module docstring)."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features({"predictions": datasets.Value("string"),
                                   "references": datasets.Sequence(datasets.Value("string"))}),
                datasets.Features({"predictions": datasets.Value("string"),
                                   "references": datasets.Value("string")}),
            ],
            reference_urls=["https://aclanthology.org/W04-1013/"],
        )

    def _compute(self, predictions, references, rouge_types=None, use_aggregator=True,  # type: ignore[no-untyped-def]
                 stem_length=None, measure="fmeasure"):
        types = list(rouge_types or ROUGE_TYPES)
        bad = [t for t in types if t not in ROUGE_TYPES]
        if bad:
            raise ValueError(f"unknown rouge type(s) {bad}; choose from {list(ROUGE_TYPES)}")
        pick = {"precision": 0, "recall": 1, "fmeasure": 2}.get(measure)
        if pick is None:
            raise ValueError(f"measure must be precision, recall or fmeasure, not {measure!r}")
        results: dict[str, list[float]] = {t: [] for t in types}
        for pred, refs in zip(predictions, references):
            refs = [refs] if isinstance(refs, str) else list(refs)
            p_tok = tokens(pred, stem_length)
            r_toks = [tokens(r, stem_length) for r in refs]
            for t in types:
                best = None
                for r_tok in r_toks:
                    if t == "rougeL":
                        s = lcs_scores(p_tok, r_tok)
                    else:
                        s = ngram_scores(p_tok, r_tok, int(t[-1]))
                    if best is None or s[2] > best[2]:
                        best = s
                results[t].append(best[pick] if best else 0.0)
        if use_aggregator:
            return {t: float(np.mean(v)) if v else 0.0 for t, v in results.items()}
        return results
