"""classify.hub, classify.model_card and `classify publish`: stage, card, reload, Hub loading, push.

A TF-IDF model is trained once on the five seed pages (library calls, a few seconds) and evaluated on
them; every test reuses it. Nothing contacts the real Hub except ``test_push_to_the_real_hub``, which runs
only when HF_TOKEN is set. Downloads are exercised against a small read-only fake Hub served on 127.0.0.1
(the Hub's own HTTP API: repo info, tree listing, file resolve), so ``snapshot_download`` really runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlparse

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from typer.testing import CliRunner

from classify.cli import app
from classify.hub import (
    HUB_ALLOW_PATTERNS,
    HubUnavailableError,
    ModelNotAvailableError,
    PublishError,
    is_repo_ref,
    parse_repo_ref,
    push_to_hub,
    resolve_model,
    stage_model,
)
from classify.models import load_model

ROOT = Path(__file__).resolve().parents[1]
REPO = "classify-tr/seeds-tfidf"
COMMIT = "3f" * 20
runner = CliRunner()

#: Short Turkish texts written for these tests (not from any corpus).
TEXTS = [
    "Aile ve Sosyal Hizmetler İl Müdürlüğü koruma altındaki çocuklar için yeni bir Çocuk Evleri Sitesi açtı.",
    "AK Parti il başkanlığı kongresinde sosyal politikalar ve seçim çalışmaları konuşuldu.",
    "Engelli bireylere evde bakım maaşı ödemeleri bu ay hesaplara yatırıldı; huzurevi ziyaretleri sürüyor.",
    "2025 Aile Yılı kapsamında evlilik öncesi eğitim programına 1.250 çift katıldı.",
]


# --------------------------------------------------------------------------------------------------
# Fixtures: dataset, model, report, staged folder (built once)
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds_data(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from classify.dataset import run_build, write_dataset

    return write_dataset(run_build([seeds_dir]), tmp_path_factory.mktemp("data") / "seeds")


@pytest.fixture(scope="module")
def model_dir(seeds_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from classify.config import validate_config
    from classify.training import train_model

    config = validate_config({"seed": 0, "model": {"kind": "tfidf", "min_df": 1}})
    return train_model(config, seeds_data, tmp_path_factory.mktemp("models") / "tfidf").model_dir


@pytest.fixture(scope="module")
def report_dir(model_dir: Path, seeds_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from classify.evaluation import evaluate_model

    # the seeds are too few for a test split: score the train split (the card must say so)
    return evaluate_model(model_dir, seeds_data, report_dir=tmp_path_factory.mktemp("report") / "r",
                          split="train").report_dir


@pytest.fixture(scope="module")
def staged(model_dir: Path, report_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "seeds-tfidf"
    result = runner.invoke(app, ["publish", "--model", str(model_dir), "--repo-id", REPO, "--out", str(out),
                                 "--eval", str(report_dir)])
    assert result.exit_code == 0, result.output
    assert f"in {out}" in result.output
    return out


def _card(folder: Path):  # type: ignore[no-untyped-def]
    from huggingface_hub import ModelCard

    return ModelCard.load(folder / "README.md")


def _predict_cli(model: str, inputs: Path, out: Path) -> list[dict]:
    args = ["predict", "--model", model, str(inputs), "--output", str(out), "--jobs", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------------------------------
# Repo ids
# --------------------------------------------------------------------------------------------------


def test_repo_refs_parse_org_name_and_optional_revision() -> None:
    assert parse_repo_ref("classify-tr/haber-siniflandirici") == ("classify-tr/haber-siniflandirici", None)
    assert parse_repo_ref("org/model.v2@v1.0") == ("org/model.v2", "v1.0")
    assert parse_repo_ref(f"org/name@{COMMIT}") == ("org/name", COMMIT)
    for bad in ("name-only", "/abs/path", "./models/tfidf", "a/b/c", "org/na..me", "org/--x", "org/name@"):
        assert not is_repo_ref(bad), bad
        with pytest.raises(ValueError, match="not a Hub repo id"):
            parse_repo_ref(bad)


# --------------------------------------------------------------------------------------------------
# Staging and the card
# --------------------------------------------------------------------------------------------------


def test_staged_folder_holds_weights_card_label_map_and_report(staged: Path, model_dir: Path) -> None:
    files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    assert files == ["README.md", "classify.json", "eval/confusion.png", "eval/metrics.json",
                     "eval/reliability.png", "eval/report.md", "labels.json", "model.skops"]
    assert (staged / "model.skops").read_bytes() == (model_dir / "model.skops").read_bytes()
    info = json.loads((staged / "classify.json").read_text(encoding="utf-8"))
    label_map = json.loads((staged / "labels.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in label_map] == info["labels"]
    assert [e["id"] for e in label_map] == list(range(len(info["labels"])))
    child = next(e for e in label_map if e["name"] == "child_services")
    assert child["display_name"] == "Çocuk Hizmetleri" and "Çocuk Evleri" in child["definition"]
    # nothing else is left next to the staged folder (the atomic write cleaned up after itself)
    assert [p.name for p in staged.parent.iterdir()] == [staged.name]


def test_card_metadata_validates_and_metrics_come_from_the_report(staged: Path, report_dir: Path) -> None:
    card = _card(staged)
    data = card.data
    assert data.language == "tr" and data.license == "apache-2.0"
    assert data.library_name == "sklearn" and data.pipeline_tag == "text-classification"
    assert {"turkish", "text-classification", "skops", "tfidf"} <= set(data.tags)
    assert data.model_name == REPO
    measured = json.loads((report_dir / "metrics.json").read_text(encoding="utf-8"))["metrics"]
    results = {(r.metric_type, r.metric_config): r for r in data.eval_results}
    assert results[("accuracy", None)].metric_value == round(measured["accuracy"], 4)
    assert results[("f1", "macro")].metric_value == round(measured["macro_f1"], 4)
    assert results[("f1", "weighted")].metric_value == round(measured["weighted_f1"], 4)
    assert {r.dataset_split for r in data.eval_results} == {"train"}
    text = card.text
    for heading in ("## Intended use", "## Out-of-scope use", "## Labels", "## Training data",
                    "## Evaluation", "## Limitations", "## How to use"):
        assert heading in text, heading
    assert "![Confusion matrix](eval/confusion.png)" in text
    # where the metrics were measured, and that the reference labels are weak rule labels
    assert "Measured on the `train` split (5 articles)" in text
    assert "Reference labels of that split: rules 5." in text
    assert "measured on the training split itself" in text
    assert "weak" in text and "Engelli ve Yaşlı Bakımı" in text
    assert f"classify predict --model {REPO}" in text and 'hf_hub_download("classify-tr/seeds-tfidf"' in text


def test_card_without_an_evaluation_invents_no_metrics(model_dir: Path, tmp_path: Path) -> None:
    result = stage_model(model_dir, REPO, tmp_path / "staged")  # seeds: no validation/test split, no report
    card = _card(result.folder)
    assert card.data.eval_results is None
    assert "No evaluation was recorded for this model" in card.text
    assert not (result.folder / "eval").exists()


def test_published_report_leaves_out_article_snippets_and_local_paths(model_dir: Path, report_dir: Path,
                                                                     tmp_path: Path) -> None:
    crafted = tmp_path / "report"
    shutil.copytree(report_dir, crafted)
    raw = json.loads((crafted / "metrics.json").read_text(encoding="utf-8"))
    secret = "Valilik açıklamasına göre kreş projesi için ayrılan ödenek 4,2 milyon lira oldu."
    raw["errors"] = [{"id": "x1", "gold": "family_year", "predicted": "child_services", "score": 0.61,
                      "gold_score": 0.2, "snippet": secret}]
    (crafted / "metrics.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    folder = stage_model(model_dir, REPO, tmp_path / "staged", eval_dir=crafted).folder
    published = (folder / "eval" / "metrics.json").read_text(encoding="utf-8")
    assert secret not in published
    assert secret not in (folder / "eval" / "report.md").read_text(encoding="utf-8")
    assert json.loads(published)["errors"][0]["predicted"] == "child_services"
    assert str(tmp_path) not in published and str(model_dir.parent) not in published

    kept = stage_model(model_dir, REPO, tmp_path / "kept", eval_dir=crafted, include_snippets=True).folder
    assert secret in (kept / "eval" / "metrics.json").read_text(encoding="utf-8")


def test_staging_refuses_bad_targets_and_leaves_nothing(model_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must not be the model directory"):
        stage_model(model_dir, REPO, model_dir / "hub")
    with pytest.raises(ValueError, match="without a revision"):
        stage_model(model_dir, "org/name@dev", tmp_path / "x")
    result = runner.invoke(app, ["publish", "--model", str(tmp_path / "missing"), "--repo-id", REPO,
                                 "--out", str(tmp_path / "y")])
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


# --------------------------------------------------------------------------------------------------
# Reloading the staged folder: plain skops, classify, the CLI
# --------------------------------------------------------------------------------------------------


def test_staged_model_reloads_with_plain_skops_and_classify_with_identical_predictions(
        staged: Path, model_dir: Path, seeds_dir: Path, tmp_path: Path) -> None:
    import skops.io as sio

    from classify.training import raw_text

    # the trusted-types list printed in the card's skops snippet is enough to load the file
    snippet = _card(staged).text.split("### With skops")[1]
    listed = snippet.split("trusted = [")[1].split("]")[0]
    trusted = re.findall(r'^\s+"([\w.]+)",?$', listed, flags=re.MULTILINE)
    assert trusted
    assert all(t.startswith(("classify.", "scipy.", "sklearn.", "numpy.", "builtins.")) for t in trusted)
    pipeline = sio.load(staged / "model.skops", trusted=trusted)

    original = load_model(model_dir)
    reloaded = load_model(staged)
    pages = [raw_text(p.read_text(encoding="utf-8")) for p in sorted(seeds_dir.glob("*.txt"))]
    expected = original.predict_proba(pages + TEXTS)
    np.testing.assert_array_equal(reloaded.predict_proba(pages + TEXTS), expected)
    np.testing.assert_array_equal(pipeline.predict_proba(pages + TEXTS), expected)
    assert list(pipeline.classes_) == reloaded.labels

    from_folder = _predict_cli(str(staged), seeds_dir, tmp_path / "staged.jsonl")
    from_model = _predict_cli(str(model_dir), seeds_dir, tmp_path / "model.jsonl")
    assert from_folder == from_model
    assert [r["id"] for r in from_folder] == [p.stem for p in sorted(seeds_dir.glob("*.txt"))]
    labels = reloaded.labels
    assert [r["label"] for r in from_folder] == [labels[i] for i in expected[: len(pages)].argmax(axis=1)]


def test_a_transformer_model_publishes_and_reloads_with_plain_transformers(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from classify.models.transformer import TransformerClassifier
    from classify.training import raw_text

    tiny = {"scratch": {"vocab_size": 300, "min_frequency": 1, "hidden_size": 16, "num_layers": 1,
                        "num_heads": 2, "intermediate_size": 32, "dropout": 0.0},
            "max_length": 64, "stride": 16, "epochs": 1, "batch_size": 8, "warmup_ratio": 0.0}
    labels = ["child_services", "party_politics", "disability_care", "family_year"]
    clf = TransformerClassifier.from_config(tiny, seed=0).fit(TEXTS, labels)
    model_dir = clf.save(tmp_path / "tiny-bert")
    folder = stage_model(model_dir, "classify-tr/tiny-bert", tmp_path / "staged").folder

    card = _card(folder)
    assert card.data.library_name == "transformers" and card.data.pipeline_tag == "text-classification"
    assert 'pipeline("text-classification", model="classify-tr/tiny-bert"' in card.text
    assert {"config.json", "model.safetensors", "tokenizer.json", "classify.json", "labels.json"} <= set(
        _repo_files(folder))

    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.no_grad():
        batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=64, return_tensors="pt")
        logits = model(**batch).logits
    plain = torch.softmax(logits, dim=-1).numpy()
    reloaded = load_model(folder)
    assert [model.config.id2label[i] for i in range(len(labels))] == reloaded.labels
    np.testing.assert_allclose(reloaded.predict_proba(TEXTS), plain, atol=1e-5)
    np.testing.assert_allclose(clf.predict_proba(TEXTS), plain, atol=1e-5)

    inputs = tmp_path / "texts.jsonl"
    inputs.write_text("".join(json.dumps({"id": f"t{i}", "text": t}, ensure_ascii=False) + "\n"
                              for i, t in enumerate(TEXTS)), encoding="utf-8")
    rows = _predict_cli(str(folder), inputs, tmp_path / "pred.jsonl")
    direct = reloaded.predict_proba([raw_text(t) for t in TEXTS])  # what predict feeds the model
    assert [r["label"] for r in rows] == [reloaded.labels[i] for i in direct.argmax(axis=1)]


# --------------------------------------------------------------------------------------------------
# Untrusted types: a model file that would run code is refused
# --------------------------------------------------------------------------------------------------


class SmuggledStep(TransformerMixin, BaseEstimator):
    """A pipeline step that is not on classify's allow-list (it could do anything when loaded)."""

    def fit(self, X, y=None):  # type: ignore[no-untyped-def]
        return self

    def transform(self, X):  # type: ignore[no-untyped-def]
        return X


def _tampered_copy(model_dir: Path, target: Path, step: object) -> Path:
    import skops.io as sio
    from sklearn.pipeline import Pipeline

    shutil.copytree(model_dir, target)
    weights = model_dir / "model.skops"
    pipeline = sio.load(weights, trusted=sio.get_untrusted_types(file=weights))
    tampered = Pipeline([("smuggled", step), *pipeline.steps])
    sio.dump(tampered, target / "model.skops")
    return target


@pytest.mark.parametrize("step, type_name", [
    (SmuggledStep(), "SmuggledStep"),
    ("os.system", "system"),  # a scikit-learn step carrying a function that runs shell commands
])
def test_loading_refuses_a_skops_file_with_an_untrusted_type(model_dir: Path, tmp_path: Path, step,
                                                              type_name) -> None:
    from sklearn.preprocessing import FunctionTransformer

    from classify.models.tfidf import UntrustedModelError

    if step == "os.system":
        step = FunctionTransformer(func=os.system)
    bad = _tampered_copy(model_dir, tmp_path / "bad", step)
    with pytest.raises(UntrustedModelError, match=type_name):
        load_model(bad)
    # publishing it is refused too, before anything is staged
    result = runner.invoke(app, ["publish", "--model", str(bad), "--repo-id", REPO,
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and type_name in result.output
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------------
# Loading from a Hub repo id (a fake Hub on 127.0.0.1 serves the repo)
# --------------------------------------------------------------------------------------------------


class FakeHub:
    """A read-only model repo at one commit, served over the Hub's HTTP API on 127.0.0.1."""

    def __init__(self, repo_id: str, files: dict[str, bytes], commit: str = COMMIT) -> None:
        self.repo_id, self.files, self.commit = repo_id, files, commit
        self.requests: list[tuple[str, str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: bytes, headers: dict[str, str], head: bool) -> None:
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _route(self, head: bool) -> None:
                path = unquote(urlparse(self.path).path)
                hub.requests.append((self.command, path))
                repo = hub.repo_id
                as_json = {"Content-Type": "application/json"}
                if path in (f"/api/models/{repo}/revision/main", f"/api/models/{repo}/revision/{hub.commit}"):
                    body = {"id": repo, "sha": hub.commit, "siblings": [{"rfilename": f} for f in hub.files]}
                    return self._send(200, json.dumps(body).encode(), as_json, head)
                if path.startswith(f"/api/models/{repo}/tree/{hub.commit}"):
                    body = [{"type": "file", "path": f, "size": len(b), "oid": hashlib.sha1(b).hexdigest()}
                            for f, b in hub.files.items()]
                    return self._send(200, json.dumps(body).encode(), as_json, head)
                prefix = f"/{repo}/resolve/{hub.commit}/"
                if path.startswith(prefix) and path[len(prefix):] in hub.files:
                    data = hub.files[path[len(prefix):]]
                    return self._send(200, data, {"X-Repo-Commit": hub.commit,
                                                  "ETag": f'"{hashlib.sha1(data).hexdigest()}"'}, head)
                known = path.startswith((f"/{repo}/", f"/api/models/{repo}/"))
                code = "EntryNotFound" if known else "RepoNotFound"
                return self._send(404, b'{"error": "not found"}', {"X-Error-Code": code, **as_json}, head)

            def do_GET(self) -> None:
                self._route(False)

            def do_HEAD(self) -> None:
                self._route(True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:  # noqa: PYI034 - a test helper, never subclassed
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Hub access switched on (conftest switches it off) with a private, empty cache; returns the cache."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    cache = tmp_path / "hf-cache"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


def _repo_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_repo_id_is_downloaded_once_cached_and_loads_offline(staged: Path, online: Path,
                                                                monkeypatch) -> None:
    from huggingface_hub import constants

    files = _repo_files(staged)
    files["pytorch_model.bin"] = b"\x80\x04not-a-real-pickle"  # pickles and code are never fetched
    files["modeling_evil.py"] = b"import os; os.system('echo pwned')\n"
    with FakeHub(REPO, files) as hub:
        folder = resolve_model(REPO, endpoint=hub.url)
        assert folder == online / "models--classify-tr--seeds-tfidf" / "snapshots" / COMMIT
        fetched = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert fetched == set(_repo_files(staged))
        assert any(path.endswith("/model.skops") for _, path in hub.requests)
        pinned = resolve_model(f"{REPO}@{COMMIT}", endpoint=hub.url)
    assert pinned == folder
    expected = load_model(staged).predict_proba(TEXTS)
    np.testing.assert_array_equal(load_model(folder).predict_proba(TEXTS), expected)

    # the server is gone: the cached snapshot is used (a refused connection falls back to the cache) ...
    assert resolve_model(REPO, endpoint=hub.url) == folder
    # ... and with HF_HUB_OFFLINE=1 the Hub is not even tried
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    # through classify.models.load_model's repo-id hook, with the default cache
    np.testing.assert_array_equal(load_model(REPO).predict_proba(TEXTS), expected)


def test_cli_predict_accepts_a_cached_repo_id(staged: Path, online: Path, seeds_dir: Path, tmp_path: Path,
                                              monkeypatch) -> None:
    from huggingface_hub import constants

    with FakeHub(REPO, _repo_files(staged)) as hub:
        resolve_model(REPO, endpoint=hub.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # from here on only the cache (HF_HUB_CACHE) is used
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    from_hub = _predict_cli(REPO, seeds_dir, tmp_path / "hub.jsonl")
    assert from_hub == _predict_cli(str(staged), seeds_dir, tmp_path / "folder.jsonl")


def test_a_hub_repo_cannot_smuggle_an_untrusted_type(model_dir: Path, online: Path, tmp_path: Path) -> None:
    from classify.models.tfidf import UntrustedModelError

    bad = _tampered_copy(model_dir, tmp_path / "bad", SmuggledStep())
    with FakeHub("mallory/innocent-model", _repo_files(bad)) as hub:
        folder = resolve_model("mallory/innocent-model", endpoint=hub.url)
    with pytest.raises(UntrustedModelError, match="SmuggledStep"):
        load_model(folder)


def test_offline_and_not_cached_fails_with_an_actionable_message(tmp_path: Path, seeds_dir: Path) -> None:
    # conftest sets HF_HUB_OFFLINE=1
    with pytest.raises(HubUnavailableError) as err:
        resolve_model("classify-tr/never-downloaded@v2", cache_dir=tmp_path / "cache")
    message = str(err.value)
    assert "HF_HUB_OFFLINE is set" in message and "unset HF_HUB_OFFLINE" in message
    assert "hf download classify-tr/never-downloaded --revision v2 --local-dir DIR" in message
    result = runner.invoke(app, ["predict", "--model", "classify-tr/never-downloaded", str(seeds_dir)])
    assert result.exit_code == 2 and "HF_HUB_OFFLINE is set" in result.output
    assert "Traceback" not in result.output


def test_unreachable_hub_fails_with_an_actionable_message(online: Path) -> None:
    with pytest.raises(HubUnavailableError, match=r"http://127\.0\.0\.1:9 could not be used"):
        resolve_model(REPO, endpoint="http://127.0.0.1:9")
    with FakeHub("someone/else", {}) as hub, pytest.raises(ModelNotAvailableError, match="no Hub repo"):
        resolve_model(REPO, endpoint=hub.url)


def test_a_missing_local_path_is_not_sent_to_the_hub(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        resolve_model(str(tmp_path / "no" / "such" / "model"))


# --------------------------------------------------------------------------------------------------
# Pushing
# --------------------------------------------------------------------------------------------------


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder.parent).as_posix(): p.read_bytes()
            for p in sorted(folder.parent.rglob("*")) if p.is_file()}


def test_push_while_offline_stages_completely_and_uploads_nothing(model_dir: Path, report_dir: Path,
                                                                  tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_" + "x" * 34)  # a token is there; the network is not
    reference = stage_model(model_dir, REPO, tmp_path / "reference" / "staged", eval_dir=report_dir).folder
    out = tmp_path / "pushed" / "staged"
    result = runner.invoke(app, ["publish", "--model", str(model_dir), "--repo-id", REPO, "--out", str(out),
                                 "--eval", str(report_dir), "--push"])
    assert result.exit_code == 1
    assert "HF_HUB_OFFLINE is set" in result.output and "Nothing was uploaded" in result.output
    assert f"hf upload {REPO} {out}" in result.output and "Traceback" not in result.output
    # the staged folder is complete (same files as a plain stage) and nothing else was left behind
    assert sorted(_repo_files(out)) == sorted(_repo_files(reference))
    assert [p.name for p in out.parent.iterdir()] == ["staged"]


def test_push_to_an_unreachable_endpoint_fails_cleanly(staged: Path, monkeypatch, online: Path) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_TOKEN", "hf_" + "x" * 34)
    before = _listing(staged)
    pattern = r"http://127\.0\.0\.1:9 could not be reached.*Nothing was uploaded"
    with pytest.raises(PublishError, match=pattern):
        push_to_hub(staged, REPO)
    assert _listing(staged) == before


def test_push_without_a_token_says_how_to_log_in(staged: Path, monkeypatch, online: Path) -> None:
    import huggingface_hub

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    with pytest.raises(PublishError, match="set HF_TOKEN or run `hf auth login`"):
        push_to_hub(staged, REPO, endpoint="http://127.0.0.1:9")


class RecordingApi:
    """Stands in for HfApi: records calls; ``fail_upload`` makes upload_folder raise like a dropped link."""

    calls: ClassVar[list[tuple[str, dict]]] = []
    fail_upload: ClassVar[bool] = False
    exists: ClassVar[bool] = False

    def __init__(self, **kwargs: object) -> None:
        RecordingApi.calls.append(("init", dict(kwargs)))

    def whoami(self) -> dict:
        RecordingApi.calls.append(("whoami", {}))
        return {"name": "tester"}

    def repo_exists(self, repo_id: str) -> bool:
        RecordingApi.calls.append(("repo_exists", {"repo_id": repo_id}))
        return RecordingApi.exists

    def create_repo(self, repo_id: str, **kwargs: object) -> str:
        RecordingApi.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
        return f"https://hub.example/{repo_id}"

    def upload_folder(self, **kwargs: object):  # type: ignore[no-untyped-def]
        RecordingApi.calls.append(("upload_folder", dict(kwargs)))
        if RecordingApi.fail_upload:
            raise ConnectionResetError("connection reset by peer")
        return type("Commit", (), {"commit_url": f"https://hub.example/{kwargs['repo_id']}/commit/abc"})()

    def delete_repo(self, repo_id: str) -> None:
        RecordingApi.calls.append(("delete_repo", {"repo_id": repo_id}))


@pytest.mark.parametrize("exists", [False, True])
def test_push_uploads_one_commit_and_removes_a_repo_it_created_when_the_upload_fails(
        staged: Path, monkeypatch, online: Path, exists: bool) -> None:
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    monkeypatch.setattr(RecordingApi, "calls", [])
    monkeypatch.setattr(RecordingApi, "exists", exists)
    repo_url, commit_url = push_to_hub(staged, REPO, private=True, commit_message="İlk sürüm", token="hf_t")
    names = [c[0] for c in RecordingApi.calls]
    assert names == ["init", "whoami", "repo_exists", "create_repo", "upload_folder"]
    assert RecordingApi.calls[3][1]["private"] is True
    upload = RecordingApi.calls[4][1]
    assert upload["folder_path"] == staged and upload["commit_message"] == "İlk sürüm"
    assert commit_url.endswith("/commit/abc") and repo_url.endswith(REPO)

    monkeypatch.setattr(RecordingApi, "calls", [])
    monkeypatch.setattr(RecordingApi, "fail_upload", True)
    with pytest.raises(PublishError, match="no commit was made"):
        push_to_hub(staged, REPO, token="hf_t")
    names = [c[0] for c in RecordingApi.calls]
    assert names[-1] == ("upload_folder" if exists else "delete_repo")  # only a repo it created is removed


@pytest.mark.hub
@pytest.mark.skipif(not os.environ.get("HF_TOKEN"), reason="needs HF_TOKEN (and network) to push to the Hub")
def test_push_to_the_real_hub(model_dir: Path, report_dir: Path, tmp_path: Path, online: Path) -> None:
    from huggingface_hub import HfApi

    api = HfApi(token=os.environ["HF_TOKEN"])
    repo_id = f"{api.whoami()['name']}/classify-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_ENDPOINT")}
    code = "from classify.cli import app; app()"
    try:
        args = ["publish", "--model", str(model_dir), "--repo-id", repo_id, "--out", str(tmp_path / "staged"),
                "--eval", str(report_dir), "--push", "--private"]
        proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        remote = set(api.list_repo_files(repo_id))
        assert set(_repo_files(tmp_path / "staged")) <= remote
        check = ("import sys, json; from classify.models import load_model; m = load_model(sys.argv[1]); "
                 "print(json.dumps(m.predict_proba(json.loads(sys.argv[2])).tolist()))")
        proc = subprocess.run([sys.executable, "-c", check, repo_id, json.dumps(TEXTS)], env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        np.testing.assert_allclose(json.loads(proc.stdout), load_model(model_dir).predict_proba(TEXTS))
    finally:
        api.delete_repo(repo_id, missing_ok=True)


def test_allow_patterns_cover_what_both_families_save(staged: Path) -> None:
    from classify.hub import _allowed

    for name in ("classify.json", "model.skops", "model.safetensors", "config.json", "tokenizer.json",
                 "vocab.txt", "onnx/model_int8.onnx", "eval/confusion.png", "README.md"):
        assert _allowed(name), name
    for name in ("pytorch_model.bin", "model.pkl", "modeling_custom.py", "weights.pt", "run.sh"):
        assert not _allowed(name), name
    assert "*.py" not in HUB_ALLOW_PATTERNS


def test_publish_a_model_with_a_reject_label(tmp_path, seeds_dir):
    """A model that learnt `other_social` only to abstain: its report (five labels) is accepted, the card says so."""
    from typer.testing import CliRunner

    from classify.cli import app

    runner = CliRunner()
    root = Path(__file__).resolve().parents[1]
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "002_a15e888e3a1cd478", "label": "other_social"}\n'
                    '{"id": "003_58e9cd0e09e78c8b", "label": "other_social"}\n', encoding="utf-8")
    steps = [
        ["build-dataset", str(seeds_dir), "--labels", str(root / "configs" / "labels-extended.yaml"),
         "--gold", str(gold), "--output", str(tmp_path / "ds")],
        ["train", "--config", str(root / "configs" / "tfidf.yaml"), "--data", str(tmp_path / "ds"),
         "--output", str(tmp_path / "m")],
        ["evaluate", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "ds"), "--split", "all",
         "--report", str(tmp_path / "rep")],
        ["publish", "--model", str(tmp_path / "m"), "--repo-id", "org/reject", "--out", str(tmp_path / "pub"),
         "--eval", str(tmp_path / "rep")],
    ]
    for args in steps:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args[0], result.output)
    card = (tmp_path / "pub" / "README.md").read_text(encoding="utf-8")
    assert "Reject label(s) `other_social`" in card


def test_published_hybrid_model_carries_its_rules_and_says_so(seeds_dir: Path, tmp_path: Path) -> None:
    """A TF-IDF model that mixes labelling rules in publishes rules.yaml, loads from the staged folder with
    identical probabilities, and its card says the rules take part in close calls."""
    from typer.testing import CliRunner

    from classify.cli import app
    from classify.models import load_model

    runner = CliRunner()
    root = Path(__file__).resolve().parents[1]
    for args in (["build-dataset", str(seeds_dir), "--output", str(tmp_path / "ds")],
                 ["train", "--config", str(root / "configs" / "tfidf.yaml"), "--data", str(tmp_path / "ds"),
                  "--output", str(tmp_path / "m"), "--data.labels", "labels", "--model.rules", "labels",
                  "--train.reject_labels", "[]", "--model.min_df", "1"],
                 ["publish", "--model", str(tmp_path / "m"), "--repo-id", "org/hybrid", "--out", str(tmp_path / "pub")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args[0], result.output)
    assert (tmp_path / "pub" / "rules.yaml").is_file()
    card = (tmp_path / "pub" / "README.md").read_text(encoding="utf-8")
    assert "labelling rules (`rules.yaml`, from `labels`) are mixed into its close calls" in card
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    np.testing.assert_array_equal(load_model(tmp_path / "pub").predict_proba(texts),
                                  load_model(tmp_path / "m").predict_proba(texts))
