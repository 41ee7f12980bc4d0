"""Publish classify models to the Hugging Face Hub and load them back from a repo id.

**Publishing** has two steps with a hard line between them, so a failure can never leave half a repo:

1. :func:`stage_model` writes a complete, self-describing folder — ``README.md`` (a model card generated
   from facts by :mod:`classify.model_card`), ``classify.json``, the weights, ``labels.json`` (the label map
   with definitions) and ``eval/`` (the evaluation report) — atomically, without touching the network.
2. :func:`push_to_hub` checks everything it can *before* creating anything (``HF_HUB_OFFLINE``, a token,
   that the endpoint answers and accepts the token), then creates the repo and uploads the folder as **one
   commit** (``HfApi.upload_folder``): the Hub either gets all files or none. If the upload fails in a repo
   this call created, the empty repo is deleted again.

**Loading**: :func:`resolve_model` turns ``ORG/NAME`` or ``ORG/NAME@REVISION`` into a local folder with
``huggingface_hub.snapshot_download`` (cached under ``HF_HUB_CACHE``; a cached snapshot loads offline). It is
registered as :mod:`classify.models`' repo resolver when this module is imported, so every ``--model``
option accepts a directory or a repo id.

**Security**: a repo cannot smuggle code in. Only files matching :data:`HUB_ALLOW_PATTERNS` are downloaded
(never pickles — ``*.bin``, ``*.pkl``, ``*.pt`` — nor ``*.py``); TF-IDF weights load through skops against
the explicit allow-list :data:`classify.models.tfidf.TRUSTED_TYPES`; transformers weights are safetensors and
``trust_remote_code`` is never set.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classify.model_card import EVAL_DIR
from classify.models import set_repo_resolver
from classify.models.base import MODEL_INFO_FILE, ModelInfo, atomic_directory

__all__ = [
    "EVAL_DIR",
    "HUB_ALLOW_PATTERNS",
    "LABELS_FILE",
    "HubError",
    "HubUnavailableError",
    "ModelNotAvailableError",
    "PublishError",
    "PublishResult",
    "hub_offline",
    "is_repo_ref",
    "parse_repo_ref",
    "publish_model",
    "push_to_hub",
    "resolve_model",
    "stage_model",
]

#: Files fetched from a Hub repo (and copied into a staged folder). Everything else — pickled weights,
#: Python code, notebooks — is never downloaded, so it can never be loaded or run.
HUB_ALLOW_PATTERNS: tuple[str, ...] = (
    "*.json",
    "*.md",
    "*.skops",
    "*.safetensors",
    "*.txt",
    "*.model",
    "*.png",
    "*.onnx",
    "rules.yaml",  # the labelling rules a TF-IDF model mixes in (read with yaml.safe_load: data, not code)
)
#: the label map written beside the weights
LABELS_FILE = "labels.json"

# ORG/NAME with the Hub's own character rules, optionally @REVISION (branch, tag or commit).
_REPO_REF = re.compile(r"^(?P<repo>[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95})(?:@(?P<rev>[\w./-]+))?$")
# Never copied into a staged folder: Trainer checkpoints, TensorBoard runs, hidden files.
_SKIP_DIRS = ("checkpoint-*", "runs", ".*", "__pycache__", EVAL_DIR)


class HubError(OSError):
    """A Hub operation failed; the message says what happened and how to fix it."""


class ModelNotAvailableError(HubError, FileNotFoundError):
    """A ``--model`` reference is neither a local directory nor a Hub model that could be fetched.

    A ``FileNotFoundError``, so commands that report a missing model directory report this the same way.
    """


class HubUnavailableError(ModelNotAvailableError):
    """The model is not cached and the Hub cannot be used (``HF_HUB_OFFLINE`` is set, or no answer)."""


class PublishError(HubError):
    """Pushing a staged folder failed (offline, no token, refused, upload error); nothing was left
    half-done, and the message says how to push the staged folder later."""


# --------------------------------------------------------------------------------------------------
# Repo ids and the offline switch
# --------------------------------------------------------------------------------------------------


def parse_repo_ref(ref: str) -> tuple[str, str | None]:
    """``"ORG/NAME@REV"`` -> ``("ORG/NAME", "REV")``; ``"ORG/NAME"`` -> ``("ORG/NAME", None)``.

    Raises ``ValueError`` for anything that is not a Hub model reference (``..``, ``--``, a path).
    """
    m = _REPO_REF.match(ref.strip())
    if not m or ".." in m["repo"] or "--" in m["repo"] or m["repo"].endswith((".", "-")):
        raise ValueError(f"{ref!r} is not a Hub repo id: expected ORG/NAME or ORG/NAME@REVISION")
    return m["repo"], m["rev"]


def is_repo_ref(ref: str | Path) -> bool:
    """True when ``ref`` is a string that parses as ``ORG/NAME[@REVISION]``."""
    if not isinstance(ref, str):
        return False
    try:
        parse_repo_ref(ref)
    except ValueError:
        return False
    return True


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` is on: the environment variable as it is now when set, else the value
    huggingface_hub read at import (it reads the variable only once)."""
    from huggingface_hub import constants

    env = os.environ.get("HF_HUB_OFFLINE", "").strip()
    if env:
        return env.upper() in {"1", "ON", "YES", "TRUE"}
    return bool(constants.HF_HUB_OFFLINE)


@contextmanager
def _hub_progress(enabled: bool | None = None) -> Iterator[None]:
    """huggingface_hub's tqdm bars on a terminal only (classify's rule: silent when piped or in CI)."""
    from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

    from classify.progress import progress_enabled

    was_disabled = are_progress_bars_disabled()
    if not progress_enabled(enabled):
        disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            enable_progress_bars()


def _endpoint(endpoint: str | None) -> str:
    from huggingface_hub import constants

    return endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


def resolve_model(
    path_or_repo: str | Path,
    *,
    cache_dir: str | Path | None = None,
    token: str | bool | None = None,
    endpoint: str | None = None,
) -> Path:
    """A local model directory for ``path_or_repo``: an existing path as is, a Hub reference downloaded.

    ``ORG/NAME[@REVISION]`` is fetched with ``snapshot_download`` (only :data:`HUB_ALLOW_PATTERNS`) into the
    Hugging Face cache (``cache_dir``, default ``HF_HUB_CACHE``) and the snapshot folder is returned; a
    snapshot already cached loads without network (``HF_HUB_OFFLINE=1`` never contacts the Hub).

    Raises :class:`HubUnavailableError` when the model is not cached and the Hub cannot be used,
    :class:`ModelNotAvailableError` for a missing or gated repo/revision or a repo that is not a classify
    model, ``FileNotFoundError`` for a path that does not exist and is no repo id; all three are
    ``FileNotFoundError`` s, with messages that say how to fix the problem.
    """
    path = Path(path_or_repo).expanduser()
    if path.exists():
        return path
    ref = str(path_or_repo)
    try:
        repo_id, revision = parse_repo_ref(ref)
    except ValueError:
        raise FileNotFoundError(f"{ref}: no such model directory (and not a Hub repo id ORG/NAME)") from None

    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    from classify import __version__

    offline = hub_offline()
    where = f"{repo_id}@{revision}" if revision else repo_id
    try:
        with _hub_progress():
            folder = snapshot_download(
                repo_id,
                revision=revision,
                cache_dir=cache_dir,
                token=token,
                endpoint=endpoint,
                allow_patterns=list(HUB_ALLOW_PATTERNS),
                local_files_only=offline,
                library_name="classify",
                library_version=__version__,
            )
    except GatedRepoError as e:
        raise ModelNotAvailableError(
            f"{where}: the repo is gated; accept its conditions on the Hub and log in (`hf auth login` or "
            "HF_TOKEN)") from e
    except RevisionNotFoundError as e:
        raise ModelNotAvailableError(f"{where}: revision {revision!r} does not exist in {repo_id}") from e
    except RepositoryNotFoundError as e:
        raise ModelNotAvailableError(
            f"{ref}: no local directory of that name, and no Hub repo {repo_id} you can see (misspelt id, "
            "or a private repo: log in with `hf auth login` or set HF_TOKEN)") from e
    except (LocalEntryNotFoundError, OfflineModeIsEnabled) as e:
        raise HubUnavailableError(_unavailable_message(ref, where, offline, e, endpoint, cache_dir)) from e
    except HfHubHTTPError as e:
        raise ModelNotAvailableError(f"{where}: the Hub answered with an error: {e}") from e
    except Exception as e:  # httpx connection/timeouts surface under the transport's own names
        if _is_network_error(e):
            message = _unavailable_message(ref, where, offline, e, endpoint, cache_dir)
            raise HubUnavailableError(message) from e
        raise
    folder_path = Path(folder)
    if not (folder_path / MODEL_INFO_FILE).is_file():
        raise ModelNotAvailableError(f"{where}: the repo has no {MODEL_INFO_FILE}, so it is not a classify "
                                     "model (publish one with `classify publish`)")
    return folder_path


def _is_network_error(error: BaseException) -> bool:
    """A connection refused / timeout / DNS failure from whatever HTTP stack huggingface_hub uses."""
    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(names & {"ConnectError", "TimeoutException", "NetworkError", "TransportError",
                         "ConnectionError", "Timeout"}) or isinstance(error, (ConnectionError, TimeoutError))


def _unavailable_message(ref: str, where: str, offline: bool, error: BaseException, endpoint: str | None,
                         cache_dir: str | Path | None) -> str:
    from huggingface_hub import constants

    cause = error.__cause__ or error
    reason = ("HF_HUB_OFFLINE is set, so the Hub is not contacted" if offline
              else f"{_endpoint(endpoint)} could not be used ({type(cause).__name__})")
    cache = cache_dir or constants.HF_HUB_CACHE
    return (
        f"{ref}: no local directory of that name, and Hub model {where} is not in the cache "
        f"({cache}) while {reason}.\n"
        "Fix it one of three ways:\n"
        f"  1. connect to the internet{' and unset HF_HUB_OFFLINE' if offline else ''}; the model is "
        "downloaded and cached on first use;\n"
        f"  2. on a connected machine run `hf download {where.replace('@', ' --revision ')} "
        "--local-dir DIR`, "
        "copy DIR here and pass --model DIR;\n"
        "  3. copy a connected machine's Hugging Face cache ($HF_HOME/hub) here."
    )


# --------------------------------------------------------------------------------------------------
# Staging
# --------------------------------------------------------------------------------------------------


@dataclass
class PublishResult:
    """What :func:`publish_model` did: the staged folder, and the commit when it pushed."""

    folder: Path
    repo_id: str
    files: list[str] = field(default_factory=list)  #: staged files, relative to ``folder``
    pushed: bool = False
    commit_url: str | None = None
    repo_url: str | None = None


def _allowed(rel: str) -> bool:
    name = Path(rel).name
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(name, pat) for pat in HUB_ALLOW_PATTERNS)


def _copy_model_files(model_dir: Path, target: Path) -> list[str]:
    """Copy the weights, tokenizer and ``classify.json`` (the allow-listed files) into ``target``."""
    copied: list[str] = []
    for src in sorted(model_dir.rglob("*")):
        rel = src.relative_to(model_dir)
        if any(fnmatch.fnmatch(part, pat) for part in rel.parts[:-1] for pat in _SKIP_DIRS):
            continue
        if rel.name.startswith(".") or not src.is_file() or not _allowed(rel.as_posix()):
            continue
        if rel.as_posix() in {"README.md", LABELS_FILE}:  # written fresh by stage_model
            continue
        dst = target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        copied.append(rel.as_posix())
    return copied


def _label_map(info: ModelInfo, definitions: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """``labels.json``: one entry per label in ``predict_proba`` column order, with its definition."""
    out = []
    for i, name in enumerate(info.labels):
        d = definitions.get(name, {})
        out.append({"id": i, "name": name, "display_name": d.get("display_name"),
                    "definition": d.get("definition")})
    return out


def stage_model(
    model: str | Path,
    repo_id: str,
    out: str | Path | None = None,
    *,
    eval_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    license: str = "apache-2.0",
    dataset_id: str | None = None,
    include_snippets: bool = False,
) -> PublishResult:
    """Write a Hub-ready folder for ``model`` (a model directory or repo id) to ``out``, atomically.

    ``eval_dir`` is an evaluation report written by ``classify evaluate`` (``metrics.json``, ``report.md``,
    the confusion-matrix PNG); without it, a report found inside the model directory is used. The
    metrics ``classify train`` recorded in ``classify.json`` are added for the splits the report does not
    cover. ``data_dir`` is the dataset the model was trained on (written by ``classify build-dataset``;
    default: the one ``classify.json`` names, if it still exists): its build report and taxonomy fill the
    card's training-data section and say, per evaluated split, how many labels are gold and how many
    rules. The published report leaves out article snippets of errors unless ``include_snippets``.
    The model is loaded first, so a broken or untrusted model is never staged. ``out`` defaults to
    ``publish/ORG__NAME``.
    """
    from classify.model_card import collect_facts, render_model_card
    from classify.models import load_model

    parse_repo_ref(repo_id)
    if "@" in repo_id:
        raise ValueError(f"--repo-id {repo_id!r}: give ORG/NAME without a revision (a push goes to main)")
    model_dir = resolve_model(model)
    load_model(model_dir)  # refuses untrusted weights and label mismatches before anything is written
    out_path = Path(out) if out is not None else Path("publish") / repo_id.replace("/", "__")
    if out_path.resolve() == model_dir.resolve() or model_dir.resolve() in out_path.resolve().parents:
        raise ValueError(f"--out {out_path} must not be the model directory or inside it")
    facts = collect_facts(model_dir, repo_id, eval_dir=eval_dir, data_dir=data_dir,
                          license=license, dataset_id=dataset_id, include_snippets=include_snippets)
    with atomic_directory(out_path) as tmp:
        files = _copy_model_files(model_dir, tmp)
        (tmp / LABELS_FILE).write_text(
            json.dumps(_label_map(facts.info, facts.label_definitions), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8")
        files.append(LABELS_FILE)
        if facts.eval_documents or facts.eval_images:
            (tmp / EVAL_DIR).mkdir()
        for name, text in facts.eval_documents.items():
            (tmp / EVAL_DIR / name).write_text(text, encoding="utf-8")
            files.append(f"{EVAL_DIR}/{name}")
        for name, src in facts.eval_images.items():
            shutil.copy2(src, tmp / EVAL_DIR / name)
            files.append(f"{EVAL_DIR}/{name}")
        (tmp / "README.md").write_text(render_model_card(facts), encoding="utf-8")
        files.append("README.md")
    return PublishResult(folder=out_path, repo_id=repo_id, files=sorted(files))


# --------------------------------------------------------------------------------------------------
# Pushing
# --------------------------------------------------------------------------------------------------


def push_to_hub(
    folder: str | Path,
    repo_id: str,
    *,
    private: bool = False,
    commit_message: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
) -> tuple[str, str]:
    """Create ``repo_id`` (if needed) and upload ``folder`` as one commit; return ``(repo_url, commit_url)``.

    Preflight before anything is created: ``HF_HUB_OFFLINE`` must be off, a token must exist (``token``,
    ``HF_TOKEN`` or a saved login) and the endpoint must answer ``whoami`` with it. A failure there raises
    :class:`PublishError` with nothing uploaded. The upload is one commit, so the repo gets all files or
    none; an upload failure in a repo this call created deletes that repo again (best effort), so no
    empty repo is left behind either.
    """
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError

    from classify import __version__

    folder = Path(folder)
    if not (folder / MODEL_INFO_FILE).is_file() or not (folder / "README.md").is_file():
        raise PublishError(f"{folder}: not a staged model folder (run `classify publish` without --push "
                           "first)")
    later = (f"Nothing was uploaded; the staged folder {folder} is complete. Push it later with "
             f"`hf upload {repo_id} {folder} . --repo-type model` or `classify publish ... --push`.")
    if hub_offline():
        raise PublishError(f"HF_HUB_OFFLINE is set, so {repo_id} was not pushed. {later}")
    token = token or get_token()
    if not token:
        raise PublishError(f"no Hugging Face token: set HF_TOKEN or run `hf auth login`. {later}")
    url = _endpoint(endpoint)
    api = HfApi(endpoint=url, token=token, library_name="classify", library_version=__version__)
    try:
        api.whoami()
        existed = api.repo_exists(repo_id)
    except HfHubHTTPError as e:
        status = getattr(getattr(e, "response", None), "status_code", None)
        if status == 401:
            raise PublishError(f"{url} rejected the token (401): log in again with `hf auth login` or set a "
                               f"valid HF_TOKEN. {later}") from e
        raise PublishError(f"{url} answered with an error before the upload: {e}. {later}") from e
    except Exception as e:
        if _is_network_error(e):
            raise PublishError(f"{url} could not be reached ({type(e).__name__}: {e}). {later}") from e
        raise
    created = False
    try:
        repo_url = api.create_repo(repo_id, private=private, exist_ok=True)
        created = not existed
        message = commit_message or f"Publish {repo_id} with classify {__version__}"
        info = api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message=message)
    except BaseException as e:
        note = ""
        if created:
            try:
                api.delete_repo(repo_id)
                note = f" The repo {repo_id}, created by this call, was deleted again."
            except Exception as cleanup_error:  # noqa: BLE001 - reported; the upload error stays the one raised
                note = (f" Deleting the repo {repo_id} created by this call failed too ({cleanup_error}); "
                        "delete it by hand.")
        if isinstance(e, Exception) and (_is_network_error(e) or isinstance(e, HfHubHTTPError)):
            raise PublishError(f"pushing to {repo_id} failed ({type(e).__name__}: {e}); no commit was "
                               f"made.{note} {later}") from e
        raise
    return str(repo_url), str(info.commit_url)


def publish_model(
    model: str | Path,
    repo_id: str,
    *,
    out: str | Path | None = None,
    push: bool = False,
    private: bool = False,
    commit_message: str | None = None,
    eval_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    license: str = "apache-2.0",
    dataset_id: str | None = None,
    include_snippets: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
) -> PublishResult:
    """``classify publish``: stage the folder (:func:`stage_model`), then, with ``push``, upload it.

    Staging always completes first, so when the push fails (offline, no token) the folder is there to
    push later; the error raised says so.
    """
    result = stage_model(model, repo_id, out, eval_dir=eval_dir, data_dir=data_dir, license=license,
                         dataset_id=dataset_id, include_snippets=include_snippets)
    if push:
        result.repo_url, result.commit_url = push_to_hub(result.folder, repo_id, private=private,
                                                         commit_message=commit_message, token=token,
                                                         endpoint=endpoint)
        result.pushed = True
    return result


set_repo_resolver(resolve_model)
