"""Tests for the text metrics shipped as local evaluate modules: rouge_tr and ndcg."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

evaluate = pytest.importorskip("evaluate")

METRICS = Path(__file__).resolve().parents[1] / "src" / "classify" / "metrics"


@pytest.fixture(scope="module")
def rouge_tr():  # type: ignore[no-untyped-def]
    return evaluate.load(str(METRICS / "rouge_tr"))


@pytest.fixture(scope="module")
def ndcg():  # type: ignore[no-untyped-def]
    return evaluate.load(str(METRICS / "ndcg"))


# --------------------------------------------------------------------------------------------------
# rouge_tr
# --------------------------------------------------------------------------------------------------


def test_default_rouge_score_tokenizer_mangles_turkish_and_ours_does_not(rouge_tr) -> None:  # type: ignore[no-untyped-def]
    rouge_score = pytest.importorskip("rouge_score")
    from rouge_score import rouge_scorer, tokenize

    name = "Çocuk Hizmetleri Genel Müdürlüğü"
    theirs = tokenize.tokenize(name, None)
    assert theirs != ["çocuk", "hizmetleri", "genel", "müdürlüğü"]
    assert "m" in theirs and "ocuk" in theirs  # "Müdürlüğü" falls apart into fragments, "Ç" is lost

    from classify.metrics.rouge_tr.rouge_tr import tokens

    assert tokens(name) == ["çocuk", "hizmetleri", "genel", "müdürlüğü"]
    assert tokens("ÇOCUK HİZMETLERİ GENEL MÜDÜRLÜĞÜ'NÜN") == tokens(name)

    scorer = rouge_scorer.RougeScorer(["rouge1"])
    # same words, upper case (Turkish İ): a perfect match for us, not for rouge_score
    assert scorer.score(name, "ÇOCUK HİZMETLERİ GENEL MÜDÜRLÜĞÜ")["rouge1"].fmeasure < 0.9
    ours = rouge_tr.compute(predictions=["ÇOCUK HİZMETLERİ GENEL MÜDÜRLÜĞÜ"], references=[name])
    assert ours["rouge1"] == 1.0 and ours["rouge2"] == 1.0 and ours["rougeL"] == 1.0
    # different words that share fragments: spurious overlap for rouge_score, none for us
    assert scorer.score("Müdürlüğü", "Müdürü")["rouge1"].fmeasure > 0.5
    assert rouge_tr.compute(predictions=["Müdürü"], references=["Müdürlüğü"])["rouge1"] == 0.0
    del rouge_score


def test_rouge_tr_agrees_with_rouge_score_on_ascii(rouge_tr) -> None:  # type: ignore[no-untyped-def]
    """Where both tokenizers see the same words, the scores are the standard ROUGE scores."""
    from rouge_score import rouge_scorer

    pairs = [("the cat sat on the mat today", "the cat was on the mat"),
             ("a b c d e f", "b a d c f e"),
             ("sosyal hizmet merkezi acildi", "sosyal hizmet merkezi bugun acildi")]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    for pred, ref in pairs:
        expected = scorer.score(ref, pred)
        for measure in ("precision", "recall", "fmeasure"):
            got = rouge_tr.compute(predictions=[pred], references=[ref], measure=measure)
            for t in ("rouge1", "rouge2", "rougeL"):
                assert got[t] == pytest.approx(getattr(expected[t], measure)), (pred, t, measure)


def test_rouge_tr_options(rouge_tr) -> None:  # type: ignore[no-untyped-def]
    preds = ["Engelli vatandaşlara destek verildi", "Toplantı sona erdi"]
    refs = [["Engelli vatandaşımıza destek verildi", "Başka bir özet"], ["Toplantı erken bitti"]]
    per_example = rouge_tr.compute(predictions=preds, references=refs, use_aggregator=False,
                                   rouge_types=["rouge1"])
    assert per_example["rouge1"] == pytest.approx([0.75, 1 / 3])  # best of two references counts
    stemmed = rouge_tr.compute(predictions=preds[:1], references=refs[:1], stem_length=5, rouge_types=["rouge1"])
    assert stemmed["rouge1"] == 1.0  # "vatandaşlara"/"vatandaşımıza" share the stem "vatan"
    with pytest.raises(ValueError, match="rouge3"):
        rouge_tr.compute(predictions=preds, references=refs, rouge_types=["rouge3"])


def test_lcs_matches_the_textbook_recurrence() -> None:
    from classify.metrics.rouge_tr.rouge_tr import lcs_length

    def reference(a: list[str], b: list[str]) -> int:
        m = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                m[i + 1][j + 1] = m[i][j] + 1 if x == y else max(m[i][j + 1], m[i + 1][j])
        return m[-1][-1]

    rng = np.random.default_rng(0)
    for _ in range(300):
        a = list(rng.choice(list("abcd"), size=rng.integers(0, 10)))
        b = list(rng.choice(list("abcd"), size=rng.integers(0, 10)))
        assert lcs_length(a, b) == reference(a, b)


# --------------------------------------------------------------------------------------------------
# ndcg
# --------------------------------------------------------------------------------------------------


def test_ndcg_matches_sklearn_with_ratio_cutoffs(ndcg) -> None:  # type: ignore[no-untyped-def]
    from sklearn.metrics import ndcg_score

    rng = np.random.default_rng(1)
    rel = [rng.integers(1, 8, size=n).astype(float) for n in (7, 23, 41)]
    pred = [np.round(rng.random(len(r)), 1) for r in rel]  # rounded: ties occur and are averaged
    got = ndcg.compute(predictions=[p.tolist() for p in pred], references=[r.tolist() for r in rel],
                       ratios=[0.1, 0.5, 0.8])
    assert list(got) == ["ndcg@10%", "ndcg@50%", "ndcg@80%"]
    for ratio, key in ((0.1, "ndcg@10%"), (0.5, "ndcg@50%"), (0.8, "ndcg@80%")):
        expected = np.mean([ndcg_score([r], [p], k=math.ceil(ratio * len(r))) for r, p in zip(rel, pred)])
        assert got[key] == pytest.approx(expected)
    fixed = ndcg.compute(predictions=[p.tolist() for p in pred], references=[r.tolist() for r in rel], k=3)
    assert fixed["ndcg"] == pytest.approx(np.mean([ndcg_score([r], [p], k=3) for r, p in zip(rel, pred)]))


def test_ndcg_perfect_and_reversed_rankings(ndcg) -> None:  # type: ignore[no-untyped-def]
    rel = [5.0, 1.0, 3.0, 2.0]
    assert ndcg.compute(predictions=[rel], references=[rel], ratios=[0.5])["ndcg@50%"] == pytest.approx(1.0)
    worst = ndcg.compute(predictions=[[-x for x in rel]], references=[rel], ratios=[0.5])["ndcg@50%"]
    assert worst < 0.5


def test_ndcg_rejects_mismatched_lengths(ndcg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="3 scores for 2 relevance"):
        ndcg.compute(predictions=[[0.1, 0.2, 0.3]], references=[[1.0, 2.0]])
