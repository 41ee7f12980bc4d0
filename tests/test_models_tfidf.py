"""Tests for classify.models.tfidf: Turkish normalisation, the vectoriser, the classifier, skops persistence.

The vectoriser is checked against scikit-learn's own TfidfVectorizer (same features, same weights), the
custom transformers with ``parametrize_with_checks`` plus the text-specific invariances sklearn cannot
run on string input. Models are trained on the five seed pages plus a few Turkish sentences written for
these tests, so the whole file runs in seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.estimator_checks import parametrize_with_checks

from classify.models import load_model
from classify.models.base import MODEL_INFO_FILE, ModelInfo
from classify.models.tfidf import (
    TRUSTED_TYPES,
    WEIGHTS_FILE,
    TfidfClassifier,
    TfidfConfig,
    TurkishNormalizer,
    TurkishTfidfVectorizer,
    UntrustedModelError,
    normalize_batch,
)

ROOT = Path(__file__).resolve().parents[1]

#: Primary labels of the five seed pages (read from their content, see the corpus guidelines).
SEED_LABELS = {
    "000_5d7abf124fa395bf": "family_year",
    "001_5ed527992e4e52b2": "child_services",
    "002_a15e888e3a1cd478": "unrelated",  # stands in for a fifth class in these small tests
    "003_58e9cd0e09e78c8b": "disability_care",  # stands in too: it reports elderly and disabled work
    "004_3a93c37a198977af": "party_politics",
}

#: Short Turkish news sentences written for the tests, a few per label.
SENTENCES = [
    ("Koruyucu aile olmak isteyenler için il müdürlüğünde bilgilendirme toplantısı yapıldı.", "child_services"),
    ("Çocuk Evleri Sitesinde kalan çocuklar yeni eğitim yılına hediyelerle başladı.", "child_services"),
    ("SED ödemeleri Ocak ayında artırıldı, koruma altındaki çocukların aileleri sevindi.", "child_services"),
    ("Aile Yılı kapsamında evlilik öncesi eğitim programına yüzlerce çift katıldı.", "family_year"),
    ("Bakan, 2025 Aile Yılı etkinliklerinde doğum oranlarının düşüşüne dikkat çekti.", "family_year"),
    ("Aile ve Nüfus On Yılı için hazırlanan eylem planı kamuoyuyla paylaşıldı.", "family_year"),
    ("Evde bakım maaşı alan engelli vatandaşların ödemeleri hesaplara yatırıldı.", "disability_care"),
    ("Huzurevinde kalan yaşlılar için yeni bir rehabilitasyon merkezi açıldı.", "disability_care"),
    ("Engelliler Haftası dolayısıyla otizmli çocuklara yönelik gündüz bakım merkezi hizmete girdi.",
     "disability_care"),
    ("CHP milletvekili, bakanlığın sosyal politikalarını Meclis'te soru önergesiyle eleştirdi.", "party_politics"),
    ("AK Parti il başkanlığı kadın kolları kongresini geniş katılımla gerçekleştirdi.", "party_politics"),
    ("İYİ Parti, seçim bildirgesinde ev hanımlarına emeklilik hakkı sözü verdi.", "party_politics"),
    ("Galatasaray deplasmanda son dakikada attığı golle üç puanı aldı.", "unrelated"),
    ("Aile hekimi randevuları için yeni sistem Pazartesi günü devreye giriyor.", "unrelated"),
    ("Hava sıcaklıklarının hafta sonu mevsim normallerinin üzerine çıkması bekleniyor.", "unrelated"),
]


@pytest.fixture(scope="module")
def corpus(seed_texts: dict[str, str]) -> tuple[list[str], list[str]]:
    texts = [seed_texts[n] for n in sorted(SEED_LABELS)] + [s for s, _ in SENTENCES]
    labels = [SEED_LABELS[n] for n in sorted(SEED_LABELS)] + [y for _, y in SENTENCES]
    return texts, labels


@pytest.fixture(scope="module")
def small_config() -> TfidfConfig:
    return TfidfConfig(min_df=1, calibration_folds=2)


@pytest.fixture(scope="module")
def trained(corpus: tuple[list[str], list[str]], small_config: TfidfConfig,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[TfidfClassifier, Path]:
    texts, labels = corpus
    clf = TfidfClassifier(small_config, seed=3).fit(texts, labels)
    return clf, clf.save(tmp_path_factory.mktemp("tfidf") / "model")


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------


def test_normalize_turkish_casing_suffixes_and_numbers() -> None:
    out = normalize_batch(["İSTANBUL'da IĞDIR’ın valisi 2.500 TL dağıttı!", "Bakanlığı’ndan “Aile Yılı” açıklaması"])
    assert out[0].split() == ["istanbul", "ığdır", "valisi", "0", "000", "tl", "dağıttı"]
    assert out[1].split() == ["bakanlığı", "aile", "yılı", "açıklaması"]


def test_normalize_keeps_quoted_words_and_documents_apart() -> None:
    # an opening quote is not a suffix: 'Aile' must survive; NULs inside a text must not split it
    out = normalize_batch(["'Aile' dedi", "a\x00b", "", "ÇOCUK ŞUBESİ — Ümraniye…"])
    assert len(out) == 4
    assert out[0].split() == ["aile", "dedi"]
    assert out[1].split() == ["a", "b"]
    assert out[2].split() == []
    assert out[3].split() == ["çocuk", "şubesi", "ümraniye"]


def test_normalizer_is_a_stateless_transformer() -> None:
    norm = TurkishNormalizer()
    assert norm.fit_transform(["KADIN"]) == ["kadın"]
    with pytest.raises(ValueError, match="single string"):
        norm.transform("KADIN")
    with pytest.raises(ValueError, match="item 1 is int"):
        norm.transform(["a", 3])


# --------------------------------------------------------------------------------------------------
# The vectoriser against scikit-learn
# --------------------------------------------------------------------------------------------------


def _as_sklearn(ours: TurkishTfidfVectorizer, X: sp.csr_matrix, theirs: TfidfVectorizer, Y: sp.csr_matrix,
                prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Our columns reordered to sklearn's vocabulary (names must match one to one)."""
    names = [n.removeprefix(prefix) for n in ours.get_feature_names_out()]
    assert sorted(names) == sorted(theirs.get_feature_names_out())
    order = [names.index(n) for n in theirs.get_feature_names_out()]
    return X.toarray()[:, order], Y.toarray()


@pytest.mark.parametrize("ngrams", [(2, 5), (3, 4), (1, 1)])
def test_char_block_equals_sklearn_char_wb(corpus: tuple[list[str], list[str]], ngrams: tuple[int, int]) -> None:
    texts = normalize_batch(corpus[0])
    ours = TurkishTfidfVectorizer(word_ngram_range=None, char_ngram_range=ngrams, min_df=2)
    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, min_df=2, lowercase=False, sublinear_tf=True)
    a, b = _as_sklearn(ours, ours.fit_transform(texts), theirs, theirs.fit_transform(texts), "c:")
    np.testing.assert_allclose(a, b, atol=1e-12)
    # unseen words at transform time are decomposed on the fly, exactly as sklearn does
    new = normalize_batch(["Şehit yakınlarına ziyaretler sürüyor, koruyucu ailelere teşekkür edildi."])
    a, b = _as_sklearn(ours, ours.transform(new), theirs, theirs.transform(new), "c:")
    np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("ngrams", [(1, 2), (1, 1), (2, 2)])
def test_word_block_equals_sklearn_word_ngrams(corpus: tuple[list[str], list[str]], ngrams: tuple[int, int]) -> None:
    texts = normalize_batch(corpus[0])
    ours = TurkishTfidfVectorizer(word_ngram_range=ngrams, char_ngram_range=None, min_df=1)
    theirs = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=ngrams, lowercase=False,
                             sublinear_tf=True)
    a, b = _as_sklearn(ours, ours.fit_transform(texts), theirs, theirs.fit_transform(texts), "w:")
    np.testing.assert_allclose(a, b, atol=1e-12)
    new = normalize_batch(["Aile Yılı kapsamında koruyucu aile semineri düzenlendi, bilinmeyenkelime geçti."])
    a, b = _as_sklearn(ours, ours.transform(new), theirs, theirs.transform(new), "w:")
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_blocks_are_normalised_separately_and_weighted(corpus: tuple[list[str], list[str]]) -> None:
    texts = normalize_batch(corpus[0])
    vec = TurkishTfidfVectorizer(min_df=1, char_weight=0.5).fit(texts)
    X = vec.transform(texts)
    n_word = vec.word_idf_.size
    word_norms = sp.linalg.norm(X[:, :n_word], axis=1)
    char_norms = sp.linalg.norm(X[:, n_word:], axis=1)
    np.testing.assert_allclose(word_norms, 1.0)
    np.testing.assert_allclose(char_norms, 0.5)


def test_lead_tokens_weigh_more() -> None:
    texts = normalize_batch(["engelli bakım merkezi açıldı", "açıldı merkezi bakım engelli"])
    plain = TurkishTfidfVectorizer(char_ngram_range=None, word_ngram_range=(1, 1), min_df=1).fit(texts)
    lead = TurkishTfidfVectorizer(char_ngram_range=None, word_ngram_range=(1, 1), min_df=1,
                                  lead_tokens=1, lead_weight=3.0).fit(texts)
    names = list(lead.get_feature_names_out())
    X = lead.transform(texts).toarray()
    assert X[0, names.index("w:engelli")] > X[0, names.index("w:açıldı")]
    assert X[1, names.index("w:açıldı")] > X[1, names.index("w:engelli")]
    P = plain.transform(texts).toarray()
    assert np.allclose(P[0], P[0][0])  # without lead weighting all four words weigh the same


def test_headline_block_reads_the_first_line_only() -> None:
    texts = normalize_batch(["AK Parti kongresi\nEngelli bakım merkezi açıldı", "Engelli bakım merkezi açıldı"])
    vec = TurkishTfidfVectorizer(char_ngram_range=None, min_df=1, title_weight=0.5).fit(texts)
    names = list(vec.get_feature_names_out())
    assert len(names) == vec.n_features_out_ and "t:ak parti" in names and "w:engelli" in names
    X = vec.transform(texts).toarray()
    title_cols = [i for i, name in enumerate(names) if name.startswith("t:")]
    assert np.linalg.norm(X[0, title_cols]) == pytest.approx(0.5)
    assert X[0, names.index("t:parti")] > 0 and X[0, names.index("t:engelli")] == 0
    assert not X[1, title_cols].any()  # no line break, no headline


def test_transform_is_batch_independent_and_order_invariant(corpus: tuple[list[str], list[str]]) -> None:
    texts = normalize_batch(corpus[0] + ["Hiç görülmemiş kelimelerle dolu bambaşka bir metin."])
    vec = TurkishTfidfVectorizer(min_df=1).fit(texts[:10])
    whole = vec.transform(texts).toarray()
    pieces = np.vstack([vec.transform(texts[i:i + 3]).toarray() for i in range(0, len(texts), 3)])
    np.testing.assert_allclose(whole, pieces, atol=1e-12)
    perm = np.random.default_rng(0).permutation(len(texts))
    np.testing.assert_allclose(vec.transform([texts[i] for i in perm]).toarray(), whole[perm], atol=1e-12)


def test_vectorizer_validates_parameters_and_fit_state() -> None:
    with pytest.raises(NotFittedError):
        TurkishTfidfVectorizer().transform(["metin"])
    with pytest.raises(ValueError, match="word_ngram_range"):
        TurkishTfidfVectorizer(word_ngram_range=(1, 3)).fit(["bir iki üç"])
    with pytest.raises(ValueError, match="both be None"):
        TurkishTfidfVectorizer(word_ngram_range=None, char_ngram_range=None).fit(["bir"])
    vec = TurkishTfidfVectorizer(min_df=1, char_weight=2.0)
    twin = clone(vec)
    assert twin.get_params() == vec.get_params()
    assert twin is not vec


with warnings.catch_warnings():  # sklearn warns, at collection time, that it skips numeric-array checks
    warnings.simplefilter("ignore", SkipTestWarning)
    _sklearn_checks = parametrize_with_checks([TurkishNormalizer(), TurkishTfidfVectorizer(min_df=1)])


@_sklearn_checks
def test_sklearn_compatible(estimator, check) -> None:  # type: ignore[no-untyped-def]
    """sklearn's checks for these estimators.

    For estimators whose tags say they take strings, sklearn runs the API checks it can (clone) and skips
    the numeric-array checks with a SkipTestWarning; the text-specific equivalents (batch independence,
    order invariance, fit state, parameter validation, equality with TfidfVectorizer) are tested above.
    """
    check(estimator)


# --------------------------------------------------------------------------------------------------
# The classifier
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("head", ["logreg", "svm", "nb"])
def test_every_head_gives_probabilities(corpus: tuple[list[str], list[str]], head: str) -> None:
    texts, labels = corpus
    clf = TfidfClassifier(TfidfConfig(head=head, min_df=1, calibration_folds=2), seed=0).fit(texts, labels)
    proba = clf.predict_proba(texts)
    assert clf.labels == sorted(set(labels))
    assert proba.shape == (len(texts), 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # it learned something: most training texts come back with their own label
    assert np.mean([clf.labels[i] == y for i, y in zip(proba.argmax(1), labels)]) >= 0.8


def test_predictions_follow_content(trained: tuple[TfidfClassifier, Path]) -> None:
    clf, _ = trained
    pred = clf.predict(["MHP il başkanlığı kongresinde yeni yönetim seçildi, parti üyeleri bir araya geldi.",
                        "Engelli bireyler için evde bakım hizmeti ve huzurevi kapasitesi artırıldı."])
    assert pred == ["party_politics", "disability_care"]


def test_sample_weight_changes_the_fit(corpus: tuple[list[str], list[str]], small_config: TfidfConfig) -> None:
    # one party-politics sentence mislabelled `unrelated`: a tiny weight leaves it to its neighbours,
    # a large one makes the model memorise the wrong label
    texts, labels = corpus
    odd = "DEVA Partisi il başkanlığı kadın kolları kongresinde yeni yönetimini seçti."
    texts, labels = texts + [odd], labels + ["unrelated"]
    light = [1.0] * (len(texts) - 1) + [0.01]
    heavy = [1.0] * (len(texts) - 1) + [30.0]
    assert TfidfClassifier(small_config).fit(texts, labels, sample_weight=light).predict([odd]) == ["party_politics"]
    assert TfidfClassifier(small_config).fit(texts, labels, sample_weight=heavy).predict([odd]) == ["unrelated"]


def test_grid_search_picks_a_config_and_records_scores(corpus: tuple[list[str], list[str]]) -> None:
    texts, labels = corpus
    config = TfidfConfig(min_df=1, search={"grid": {"C": [0.01, 10.0]}, "folds": 2})
    clf = TfidfClassifier(config, seed=1).fit(texts, labels, groups=[str(i) for i in range(len(texts))])
    assert clf.search_results is not None and len(clf.search_results) == 2
    best = max(clf.search_results, key=lambda r: r["mean"])
    assert clf.fitted_config.C == best["params"]["C"]
    with pytest.raises(ValueError, match="cannot search over 'kind'"):
        TfidfConfig(search={"grid": {"kind": ["tfidf"]}})


def test_fit_needs_two_labels_and_matching_lengths() -> None:
    with pytest.raises(ValueError, match="two distinct labels"):
        TfidfClassifier().fit(["a b", "c d"], ["x", "x"])
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        TfidfClassifier().fit(["a b", "c d"], ["x"])


# --------------------------------------------------------------------------------------------------
# Persistence
# --------------------------------------------------------------------------------------------------


def test_saved_directory_is_self_describing(trained: tuple[TfidfClassifier, Path]) -> None:
    clf, model_dir = trained
    assert sorted(p.name for p in model_dir.iterdir()) == [MODEL_INFO_FILE, WEIGHTS_FILE]
    info = ModelInfo.read(model_dir)
    assert info.kind == "tfidf" and info.labels == clf.labels
    assert {"classify", "numpy", "scikit-learn", "skops"} <= set(info.versions)
    assert info.config["model"]["head"] == "logreg"
    assert not any(p.name.startswith(".") for p in model_dir.parent.iterdir())  # no temp dirs left


def test_reload_in_a_fresh_process_gives_identical_probabilities(
        trained: tuple[TfidfClassifier, Path], corpus: tuple[list[str], list[str]], tmp_path: Path) -> None:
    clf, model_dir = trained
    texts = corpus[0] + ["Daha önce hiç görülmemiş sözcüklerle yazılmış yepyeni bir haber metni."]
    (tmp_path / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        from classify.models import load_model
        texts = json.load(open({str(tmp_path / 'texts.json')!r}, encoding="utf-8"))
        model = load_model({str(model_dir)!r})
        np.save({str(tmp_path / 'proba.npy')!r}, model.predict_proba(texts))
        print("torch" in sys.modules, "transformers" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]  # a TF-IDF model never drags torch in
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(texts))


def test_loading_refuses_types_outside_the_allow_list(trained: tuple[TfidfClassifier, Path], tmp_path: Path) -> None:
    import os
    import shutil

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from classify.models.tfidf import _skops_io

    _, model_dir = trained
    bad = tmp_path / "bad"
    shutil.copytree(model_dir, bad)
    sio = _skops_io()
    sio.dump(Pipeline([("f", FunctionTransformer(os.getcwd))]), bad / WEIGHTS_FILE)
    with pytest.raises(UntrustedModelError, match="FunctionTransformer"):
        load_model(bad)
    assert "sklearn.preprocessing._function_transformer.FunctionTransformer" not in TRUSTED_TYPES


def test_load_checks_kind_and_label_consistency(trained: tuple[TfidfClassifier, Path], tmp_path: Path) -> None:
    import shutil

    _, model_dir = trained
    twisted = tmp_path / "twisted"
    shutil.copytree(model_dir, twisted)
    info = json.loads((twisted / MODEL_INFO_FILE).read_text())
    info["labels"] = list(reversed(info["labels"]))
    (twisted / MODEL_INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ValueError, match="do not match"):
        TfidfClassifier.load(twisted)
    info["kind"] = "transformer"
    (twisted / MODEL_INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ValueError, match="not a 'tfidf' one"):
        TfidfClassifier.load(twisted)


def test_load_model_dispatches_on_kind(trained: tuple[TfidfClassifier, Path], tmp_path: Path) -> None:
    _, model_dir = trained
    assert isinstance(load_model(model_dir), TfidfClassifier)
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        load_model(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="not a classify model directory"):
        load_model(tmp_path / "empty")


# --------------------------------------------------------------------------------------------------
# Labelling rules mixed into close calls (model.rules)
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hybrid(corpus: tuple[list[str], list[str]],
           tmp_path_factory: pytest.TempPathFactory) -> tuple[TfidfClassifier, TfidfClassifier, Path]:
    texts, labels = corpus
    plain = TfidfClassifier(TfidfConfig(min_df=1, calibration_folds=2), seed=3).fit(texts, labels)
    mixed = TfidfClassifier(TfidfConfig(min_df=1, calibration_folds=2, rules="labels", rules_weight=0.3),
                            seed=3).fit(texts, labels)
    return plain, mixed, mixed.save(tmp_path_factory.mktemp("tfidf") / "hybrid")


#: Texts the tiny test model is unsure about but the default rules recognise.
CLOSE_CALLS = [
    "Bakanlık koruyucu aile sayısının arttığını, Çocuk Evleri Sitelerinde kalan çocukların azaldığını açıkladı.",
    "Evde bakım maaşı ödemeleri yatırıldı; huzurevi ve engelli bakım merkezlerinde denetim sürüyor.",
    "Aile Yılı etkinliklerinde evlilik öncesi eğitim programı ve doğum oranları konuşuldu.",
    "Galatasaray ligde üst üste üçüncü galibiyetini aldı.",
    "YADES kapsamında yaşlılara destek verilecek, Vefa ekipleri ziyaretlerini sürdürüyor.",  # model: unrelated
]


def test_rules_move_close_calls_and_leave_clear_ones(
        hybrid: tuple[TfidfClassifier, TfidfClassifier, Path], corpus: tuple[list[str], list[str]]) -> None:
    plain, mixed, _ = hybrid
    texts = corpus[0] + CLOSE_CALLS
    p, q = plain.predict_proba(texts), mixed.predict_proba(texts)
    w = 0.3
    top2 = np.sort(p, axis=1)[:, -2:]
    close = top2[:, 1] - top2[:, 0] < w / (1 - w)
    assert close.any() and (~close).any()
    np.testing.assert_array_equal(q[~close], p[~close])  # clear calls keep the model's probabilities
    rules = mixed.rules
    for i in np.flatnonzero(close):  # close calls: (1 - w) p + w r exactly
        scores = rules.label_text(texts[i]).scores
        r = np.array([scores.get(name, 0.0) for name in mixed.labels])
        np.testing.assert_allclose(q[i], (1 - w) * p[i] + w * r)
    np.testing.assert_allclose(q.sum(axis=1), 1.0)
    # the shortcut is exact: mixing the rules into *every* page gives the same top labels
    full = np.array([(1 - w) * p[i] + w * np.array([rules.label_text(t).scores.get(n, 0.0) for n in mixed.labels])
                     for i, t in enumerate(texts)])
    assert list(full.argmax(axis=1)) == list(q.argmax(axis=1))
    # and the rules do correct a close call the model alone gets wrong (YADES: elderly care)
    yades = len(texts) - 1
    assert plain.labels[p[yades].argmax()] == "unrelated" and close[yades]
    assert mixed.labels[q[yades].argmax()] == "disability_care"


def test_hybrid_model_carries_its_rules(hybrid: tuple[TfidfClassifier, TfidfClassifier, Path],
                                        corpus: tuple[list[str], list[str]], tmp_path: Path) -> None:
    _, mixed, model_dir = hybrid
    assert sorted(p.name for p in model_dir.iterdir()) == sorted([MODEL_INFO_FILE, WEIGHTS_FILE, "rules.yaml"])
    assert "\nextends:" not in (model_dir / "rules.yaml").read_text(encoding="utf-8")
    texts = corpus[0] + CLOSE_CALLS
    (tmp_path / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    script = textwrap.dedent(f"""
        import json
        import numpy as np
        from classify.models import load_model
        texts = json.load(open({str(tmp_path / 'texts.json')!r}, encoding="utf-8"))
        np.save({str(tmp_path / 'proba.npy')!r}, load_model({str(model_dir)!r}).predict_proba(texts))
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), mixed.predict_proba(texts))
    # a model whose rules file went missing says so instead of predicting without them
    broken = tmp_path / "broken"
    import shutil

    shutil.copytree(model_dir, broken)
    (broken / "rules.yaml").unlink()
    with pytest.raises(FileNotFoundError, match=r"rules\.yaml: missing .*model\.rules = 'labels'"):
        load_model(broken)


def test_rules_labels_the_model_never_learned(corpus: tuple[list[str], list[str]], tmp_path: Path) -> None:
    texts, labels = corpus
    # the extended rules know other_social, which this model never saw: its share goes back to the model
    model = TfidfClassifier(TfidfConfig(min_df=1, calibration_folds=2, rules="labels-extended", rules_weight=0.5),
                            seed=0).fit(texts, labels)
    shelter = "ŞÖNİM kadın konukevinde kalan şiddet mağduru kadınlara psikolojik destek verildi."
    assert model.rules.label_text(shelter).label == "other_social"
    proba = model.predict_proba(texts + [shelter])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba.shape == (len(texts) + 1, 5)
    # rules with fewer than two labels in common are a configuration mistake, reported as such
    (tmp_path / "other.yaml").write_text(textwrap.dedent("""
        version: 1
        labels:
          - {name: sports, display_name: Spor, definition: Spor haberleri.}
          - {name: unrelated, display_name: İlgisiz, definition: Diğer her şey.}
        rules:
          - {name: football, label: sports, keywords: [gol, maç]}
    """), encoding="utf-8")
    with pytest.raises(ValueError, match=r"model\.rules \(.*other\.yaml\): the rules' labels \(sports, unrelated\) "
                                         r"share fewer than two"):
        TfidfClassifier(TfidfConfig(min_df=1, rules=str(tmp_path / "other.yaml")), seed=0).fit(texts, labels)
    with pytest.raises(ValueError, match="rules_weight"):
        TfidfConfig(rules="labels", rules_weight=1.0)
