"""nDCG for sentence rankings, as a local ``evaluate`` module.

Each example is one document: ``predictions`` are the scores a summarizer gave its sentences and
``references`` the graded relevance of the same sentences (e.g. sadedegel's ``deletedInRound``: the round
in which annotators deleted the sentence, later = more relevant). The figure is
``sklearn.metrics.ndcg_score([references], [predictions], k=k)`` per document (gain = relevance, log2
discount, tied scores averaged), then the mean over documents. ``k`` is either fixed or, with ``ratios``,
``ceil(ratio * number of sentences)`` per document - the protocol of sadedegel's published benchmark
(ratios 0.1, 0.5, 0.8), so figures computed here are comparable to theirs.

Load offline with ``evaluate.load("<path to this folder>")``.
"""

from __future__ import annotations

import math

import datasets
import evaluate
import numpy as np
from sklearn.metrics import ndcg_score

_DESCRIPTION = """Mean nDCG@k over documents for sentence rankings (k fixed, or a fraction of each document's
sentences). Computed with sklearn.metrics.ndcg_score per document, as sadedegel's evaluation does."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of lists of float - one score per sentence, per document.
    references: list of lists of float - graded relevance per sentence (same order), per document.
    k: int, optional - a fixed cut-off for every document (default: all sentences).
    ratios: list of float, optional - cut-offs as fractions of each document's length, k = ceil(r * n);
        gives one figure per ratio, keyed "ndcg@10%" for r = 0.1.
    ignore_ties: bool - passed to ndcg_score (default False: tied scores are averaged).
Returns:
    {"ndcg": mean} for k, or {"ndcg@10%": ..., "ndcg@50%": ...} for ratios.
Examples:
    >>> ndcg = evaluate.load("src/classify/metrics/ndcg")
    >>> ndcg.compute(predictions=[[0.9, 0.1, 0.5]], references=[[3, 1, 2]], ratios=[0.5])
    {'ndcg@50%': 1.0}
"""

_CITATION = """\
@article{jarvelin2002cumulated,
  title={Cumulated gain-based evaluation of IR techniques},
  author={J{\"a}rvelin, Kalervo and Kek{\"a}l{\"a}inen, Jaana},
  journal={ACM Transactions on Information Systems}, volume={20}, number={4}, pages={422--446}, year={2002}
}
"""


def _ratio_key(ratio: float) -> str:
    pct = ratio * 100
    return f"ndcg@{round(pct)}%" if abs(pct - round(pct)) < 1e-9 else f"ndcg@{pct:g}%"


class Ndcg(evaluate.Metric):
    """Mean per-document nDCG of sentence scores against graded relevance."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("float64")),
                    "references": datasets.Sequence(datasets.Value("float64")),
                }
            ),
            reference_urls=["https://scikit-learn.org/stable/modules/generated/sklearn.metrics.ndcg_score.html"],
        )

    def _compute(self, predictions, references, k=None, ratios=None, ignore_ties=False):  # type: ignore[no-untyped-def]
        if k is not None and ratios is not None:
            raise ValueError("give either k or ratios, not both")
        pairs = []
        for i, (pred, ref) in enumerate(zip(predictions, references)):
            if len(pred) != len(ref):
                raise ValueError(f"document {i}: {len(pred)} scores for {len(ref)} relevance values")
            if len(ref) < 2:
                raise ValueError(f"document {i}: nDCG needs at least 2 sentences, got {len(ref)}")
            pairs.append((np.asarray(ref, dtype=float)[None, :], np.asarray(pred, dtype=float)[None, :]))
        if not pairs:
            raise ValueError("no documents to score")
        if ratios is None:
            values = [ndcg_score(y, s, k=k, ignore_ties=ignore_ties) for y, s in pairs]
            return {"ndcg": float(np.mean(values))}
        out = {}
        for ratio in ratios:
            if not 0 < ratio <= 1:
                raise ValueError(f"ratios must be in (0, 1], got {ratio}")
            values = [ndcg_score(y, s, k=math.ceil(ratio * y.shape[1]), ignore_ties=ignore_ties)
                      for y, s in pairs]
            out[_ratio_key(ratio)] = float(np.mean(values))
        return out
