"""Splits: deterministic, stratified by label, grouped by near-duplicate cluster."""

from collections import Counter

import pytest

from classify.splits import assign_splits, parse_fractions


def _records(n_per_label: int = 40):
    labels, groups = [], []
    for lab in ("child_services", "family_year", "disability_care", "party_politics", "unrelated"):
        for i in range(n_per_label):
            labels.append(lab)
            # every fourth story is syndicated three times
            groups.append(f"{lab}-{i // 3}" if i % 4 == 0 else f"{lab}-solo-{i}")
    return labels, groups


def test_same_seed_same_splits_and_other_seed_differs():
    labels, groups = _records()
    a = assign_splits(labels, groups, (0.8, 0.1, 0.1), seed=7)
    assert a == assign_splits(labels, groups, (0.8, 0.1, 0.1), seed=7)
    assert a != assign_splits(labels, groups, (0.8, 0.1, 0.1), seed=8)


def test_groups_never_cross_splits():
    labels, groups = _records()
    out = assign_splits(labels, groups, (0.6, 0.2, 0.2), seed=1)
    split_of_group: dict[str, set[str]] = {}
    for g, s in zip(groups, out):
        split_of_group.setdefault(g, set()).add(s)
    assert all(len(s) == 1 for s in split_of_group.values())


def test_stratified_by_label():
    labels, groups = _records(50)
    out = assign_splits(labels, groups, (0.8, 0.1, 0.1), seed=0)
    for lab in set(labels):
        c = Counter(s for l, s in zip(labels, out) if l == lab)
        assert 35 <= c["train"] <= 45, c
        assert 2 <= c["validation"] <= 8 and 2 <= c["test"] <= 8, c


def test_order_of_records_does_not_change_assignment():
    labels, groups = _records()
    out = dict(zip(groups, assign_splits(labels, groups, seed=3)))
    rev = dict(zip(groups[::-1], assign_splits(labels[::-1], groups[::-1], seed=3)))
    assert out == rev


@pytest.mark.parametrize("spec", ["0.8,0.1", "0.8,0.3,0.1", "a,b,c", "-0.1,0.6,0.5"])
def test_bad_fractions_are_rejected_with_the_option_name(spec):
    with pytest.raises(ValueError, match="--split"):
        parse_fractions(spec)
