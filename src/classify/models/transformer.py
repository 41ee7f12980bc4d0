"""Fine-tuned transformer classifier (BERTurk by default) behind the :class:`~classify.models.base.Classifier` interface.

Training uses ``transformers``' ``Trainer``: AdamW with linear warm-up/decay, gradient accumulation, class
weights for imbalance, early stopping on validation macro-F1 (the best epoch is kept), fp16/bf16 only when a
GPU is present. A saved model is a plain ``transformers`` directory (``model.safetensors``, ``config.json``
with ``id2label``, the tokenizer) plus ``classify.json``, so ``AutoModelForSequenceClassification`` and
``AutoTokenizer`` reload it without classify.

Long articles: BERT reads at most ``max_length`` (512) tokens. ``long_text`` picks what happens beyond that:

* ``chunk`` (default): the article is cut into overlapping windows (``stride`` tokens of overlap); every
  window is classified and the windows' logits are aggregated (``aggregate``: ``max``, the default, or
  ``mean``). The whole article is read. In training each window is an example carrying its article's label,
  weighted ``1 / n_windows`` so that a long article counts as much as a short one.
* ``head_tail``: the first ``head_tokens`` tokens and the last ``max_length - head_tokens - 2`` (Sun et al.
  2019, "How to fine-tune BERT for text classification"); one window, cheapest.
* ``head``: plain truncation, what ``transformers`` does by default.

The defaults are what measured best: in 5-fold cross-validation on the 466 dev articles, repeated with two
seeds (``benchmarks/bert_dev_compare.py``: a small BERT trained from scratch with 128-token windows, so
that the median article spans 3 windows, as a 1,000-token article spans BERTurk's 512), chunking with
max-aggregation had the best mean macro-F1 (0.73), ahead of mean-aggregation (0.72), head-only truncation
(0.66) and head+tail (0.60).

Fast CPU inference (``backend``): ``onnx-int8`` runs an ONNX export with int8 dynamically quantised weights in
ONNX Runtime (:func:`export_onnx` writes it into the model directory, checks that its predictions agree with
the fp32 model, and makes it the model's default); ``onnx`` is the fp32 export; ``torch-bf16`` runs PyTorch
under CPU bfloat16 autocast (the classifier head and the softmax stay fp32; only on CPUs with native bf16
instructions, AVX512-BF16/AMX or Arm BF16 -- elsewhere it is refused, see :func:`cpu_bf16_supported`; on a
GPU it is the ``torch`` path with its ``precision``); ``torch-int8`` quantises the ``Linear`` layers with
``torch.ao.quantization.quantize_dynamic`` at load time (no files, but that torch API is deprecated).

Close-call refinement (``refine_margin``, a cascade): with a fast backend, articles whose top-two probability
margin (after aggregation, on the fast path's probabilities) is below ``refine_margin`` are recomputed with
plain fp32 PyTorch, all their windows, and their probabilities replaced. Low-precision arithmetic moves
probabilities by about a percent, so it only flips decisions that were near-ties; re-running those few
articles in fp32 restores agreement at a small cost. The fp32 weights are loaded only when a close call
occurs (an ONNX backend otherwise never reads them); :attr:`TransformerClassifier.refine_stats` counts the
articles refined. ``benchmarks/bert_cpu_inference.py`` measures all of them.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from classify.io import write_json_atomic
from classify.models.base import (
    MODEL_INFO_FILE,
    BackendUnavailableError,
    ModelInfo,
    atomic_directory,
    package_versions,
)
from classify.models.scratch import ScratchConfig, build_scratch_model
from classify.progress import progress_bar, progress_enabled

if TYPE_CHECKING:  # torch and transformers are imported inside the functions that need them
    import torch

__all__ = [
    "DEFAULT_MODEL",
    "FAST_BACKENDS",
    "ONNX_DIR",
    "BackendUnavailableError",
    "FastPathDisagreesError",
    "ModelNotAvailableError",
    "ScratchConfig",
    "TransformerClassifier",
    "TransformerConfig",
    "aggregate_logits",
    "check_fast_path",
    "close_calls",
    "compare_predictions",
    "cpu_bf16_autocast",
    "cpu_bf16_supported",
    "export_onnx",
    "split_windows",
]

DEFAULT_MODEL = "dbmdz/bert-base-turkish-cased"
#: sub-directory of a saved model holding the ONNX exports
ONNX_DIR = "onnx"
ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx"}

LongText = Literal["chunk", "head_tail", "head"]
Backend = Literal["torch", "torch-bf16", "torch-int8", "onnx", "onnx-int8"]
BACKENDS: tuple[str, ...] = get_args(Backend)
#: the backends that approximate the fp32 model (``refine_margin`` applies to them)
FAST_BACKENDS: tuple[str, ...] = ("torch-bf16", "torch-int8", "onnx", "onnx-int8")

log = logging.getLogger(__name__)


class ModelNotAvailableError(OSError):
    """The configured ``model.name`` can be neither found locally nor downloaded; the message says how to fix it."""


class FastPathDisagreesError(RuntimeError):
    """A fast inference path (ONNX, int8, bf16) disagrees with the fp32 model more than allowed."""



# --------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------


class TransformerConfig(BaseModel):
    """The ``model:`` section of a transformer training config (one line of documentation per field)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["transformer"] = "transformer"
    name: str | None = Field(DEFAULT_MODEL, description="Hub model id or local directory of a pretrained encoder")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit) of `name`")
    scratch: ScratchConfig | None = Field(
        None, description="build a small BERT from scratch on the training texts instead of loading `name`")
    # -- long articles --
    max_length: int = Field(512, ge=16, le=8192, description="tokens per window, special tokens included")
    long_text: LongText = Field("chunk", description="beyond max_length: chunk | head_tail | head")
    stride: int = Field(128, ge=0, description="chunk: tokens shared by consecutive windows")
    aggregate: Literal["mean", "max"] = Field("max", description="chunk: how window logits become one")
    head_tokens: int = Field(128, ge=0, description="head_tail: tokens kept from the start (rest from the end)")
    max_train_windows: int | None = Field(
        None, ge=1, description="chunk: at most this many windows per training article (evenly spaced)")
    # -- optimisation --
    learning_rate: float = Field(3e-5, gt=0, description="peak AdamW learning rate")
    epochs: float = Field(4.0, gt=0, description="training epochs (upper bound with early stopping)")
    batch_size: int = Field(16, ge=1, description="windows per device per training step")
    eval_batch_size: int = Field(32, ge=1, description="windows per batch in evaluation and prediction")
    warmup_ratio: float = Field(0.1, ge=0, lt=1, description="share of steps with linear learning-rate warm-up")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay")
    gradient_accumulation_steps: int = Field(1, ge=1, description="steps whose gradients add up per update")
    max_grad_norm: float = Field(1.0, gt=0, description="gradient clipping norm")
    early_stopping_patience: int | None = Field(
        2, ge=1, description="stop after this many epochs without a better validation macro-F1 (null: off)")
    class_weight: Literal["balanced"] | None = Field("balanced", description="re-weight the loss by class frequency")
    precision: Literal["auto", "fp32", "fp16", "bf16"] = Field(
        "auto", description="mixed precision on a GPU (auto: bf16 if supported, else fp16); always fp32 on CPU")
    # -- inference --
    backend: Backend = Field(
        "torch", description="inference engine: torch | torch-bf16 | torch-int8 | onnx | onnx-int8")
    refine_margin: float = Field(
        0.0, ge=0, lt=1, description="fast backends: recompute in fp32 the articles whose top-2 probability "
                                     "margin is below this (0: off)")

    @model_validator(mode="after")
    def _consistent(self) -> TransformerConfig:
        if self.scratch is not None:
            if self.name is not None and "name" in self.model_fields_set:
                raise ValueError("set either model.name (a pretrained encoder) or model.scratch, not both "
                                 "(to start from an encoder with a config that has model.scratch, such as "
                                 "bert-tiny.yaml, add --model.scratch null)")
            self.name = None  # a scratch model has no pretrained source
        elif not self.name:
            raise ValueError("model.name is required (a Hub model id or a local directory) unless model.scratch is set")
        room = self.max_length - 2
        if self.stride >= room // 2 + 1 and self.long_text == "chunk":
            raise ValueError(f"stride ({self.stride}) must be at most half a window ({room // 2} tokens "
                             f"for max_length {self.max_length})")
        if self.head_tokens > room and self.long_text == "head_tail":
            raise ValueError(f"head_tokens ({self.head_tokens}) must leave room in max_length ({self.max_length})")
        return self


# --------------------------------------------------------------------------------------------------
# Long texts: windows and aggregation
# --------------------------------------------------------------------------------------------------


def split_windows(ids: Sequence[int], size: int, *, long_text: LongText = "chunk", stride: int = 0,
                  head_tokens: int = 128) -> list[list[int]]:
    """Cut one article's token ids (no special tokens) into the windows the model reads.

    ``size`` is the room for content in a window. ``chunk`` returns windows that overlap by ``stride``
    tokens and together cover every token; the last window is aligned to the end so it is full too.
    An empty article gives one empty window (the model then sees only the special tokens).
    """
    ids = list(ids)
    n = len(ids)
    if n <= size:
        return [ids]
    if long_text == "head":
        return [ids[:size]]
    if long_text == "head_tail":
        head = min(head_tokens, size)
        tail = size - head
        return [ids[:head] + (ids[n - tail:] if tail else [])]
    step = size - stride
    if step <= 0:
        raise ValueError(f"stride ({stride}) must be smaller than the window ({size})")
    starts = list(range(0, n - size, step)) + [n - size]
    return [ids[s:s + size] for s in starts]


def aggregate_logits(logits: np.ndarray, doc: np.ndarray, n_docs: int, how: str = "mean") -> np.ndarray:
    """Combine window logits into article logits: ``doc[i]`` is the article of window ``i``."""
    logits = np.asarray(logits, dtype=np.float64)
    out = np.zeros((n_docs, logits.shape[1]), dtype=np.float64)
    if how == "mean":
        np.add.at(out, doc, logits)
        counts = np.bincount(doc, minlength=n_docs).astype(np.float64)
        out /= np.maximum(counts, 1.0)[:, None]
    elif how == "max":
        out.fill(-np.inf)
        np.maximum.at(out, doc, logits)
    else:
        raise ValueError(f"unknown aggregation {how!r}; use 'mean' or 'max'")
    return out


def close_calls(proba: np.ndarray, margin: float) -> np.ndarray:
    """Indices of the rows whose two highest probabilities differ by less than ``margin`` (none when 0)."""
    proba = np.asarray(proba)
    if margin <= 0 or not len(proba):
        return np.zeros(0, dtype=np.int64)
    if proba.shape[1] < 2:
        return np.zeros(0, dtype=np.int64)
    top2 = np.partition(proba, -2, axis=1)[:, -2:]
    return np.flatnonzero(np.abs(top2[:, 1] - top2[:, 0]) < margin)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class _WindowEncoder:
    """Turns texts into model windows (special tokens included) with the configured long-text strategy."""

    def __init__(self, tokenizer: Any, config: TransformerConfig) -> None:
        self.tokenizer = tokenizer
        self.config = config
        # Find the special tokens around a text without assuming BERT's [CLS] ... [SEP] layout.
        probe = tokenizer("a", add_special_tokens=False)["input_ids"]
        full = tokenizer("a")["input_ids"]
        at = next((i for i in range(len(full) - len(probe) + 1) if full[i:i + len(probe)] == probe), None)
        if at is None:
            raise ValueError("cannot locate the text inside the tokenizer's special-token template")
        self.prefix: list[int] = full[:at]
        self.suffix: list[int] = full[at + len(probe):]
        self.size = config.max_length - len(self.prefix) - len(self.suffix)
        if self.size < 8:
            raise ValueError(f"model.max_length {config.max_length} leaves no room for text")
        self.token_types = "token_type_ids" in getattr(tokenizer, "model_input_names", ())
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def encode(self, texts: Sequence[str], *, max_windows: int | None = None) -> tuple[list[list[int]], np.ndarray]:
        """All windows of ``texts`` and, per window, the index of its text."""
        c = self.config
        windows: list[list[int]] = []
        doc: list[int] = []
        batch = 256
        for lo in range(0, len(texts), batch):
            chunk = [t if isinstance(t, str) else "" for t in texts[lo:lo + batch]]
            ids_list = self.tokenizer(chunk, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
            for j, ids in enumerate(ids_list):
                parts = split_windows(ids, self.size, long_text=c.long_text, stride=c.stride,
                                      head_tokens=c.head_tokens)
                if max_windows is not None and len(parts) > max_windows:
                    keep = np.linspace(0, len(parts) - 1, max_windows).round().astype(int)
                    parts = [parts[k] for k in keep]
                windows.extend(self.prefix + p + self.suffix for p in parts)
                doc.extend([lo + j] * len(parts))
        return windows, np.asarray(doc, dtype=np.int64)

    def pad(self, windows: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
        """Right-pad a batch of windows into int64 arrays the model takes."""
        width = max(len(w) for w in windows)
        ids = np.full((len(windows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(windows), width), dtype=np.int64)
        for i, w in enumerate(windows):
            ids[i, :len(w)] = w
            mask[i, :len(w)] = 1
        out = {"input_ids": ids, "attention_mask": mask}
        if self.token_types:
            out["token_type_ids"] = np.zeros_like(ids)
        return out


# --------------------------------------------------------------------------------------------------
# Loading pretrained encoders with an actionable error
# --------------------------------------------------------------------------------------------------


def _offline() -> bool:
    """Whether huggingface_hub runs offline (``HF_HUB_OFFLINE``, read by huggingface_hub at import)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _unavailable_message(name: str, error: BaseException) -> str:
    """Explain why ``name`` could not be loaded and the three ways to fix it."""
    from huggingface_hub import constants
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    chain: list[BaseException] = []
    e: BaseException | None = error
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    looks_local = name.startswith((".", "/", "~")) or os.sep in name.strip("/").split("/", 1)[-1] \
        or Path(name).expanduser().exists()
    if Path(name).expanduser().is_dir():
        return (f"model.name {name!r} is a directory but not a loadable model ({error}). It must hold "
                "config.json, the weights (model.safetensors) and the tokenizer files, as written by "
                "save_pretrained or `hf download`.")
    if looks_local:
        return (f"model.name {name!r} looks like a local path but no such directory exists. Point model.name "
                "at a directory holding config.json, weights and tokenizer, or at a Hub model id such as "
                f"{DEFAULT_MODEL!r}.")
    if any(isinstance(x, (RepositoryNotFoundError, RevisionNotFoundError)) for x in chain) and not _offline():
        return (f"model.name {name!r} was not found on the Hugging Face Hub (misspelt id or revision, or a "
                "private/gated repo: log in with `hf auth login` or set HF_TOKEN).")
    reason = ("HF_HUB_OFFLINE is set, so the Hub is not contacted" if _offline()
              else f"the Hub could not be reached ({type(error).__name__})")
    return (
        f"model.name {name!r} is not in the local Hugging Face cache ({constants.HF_HUB_CACHE}) and {reason}.\n"
        "Fix it one of three ways:\n"
        f"  1. connect to the internet{' and unset HF_HUB_OFFLINE' if _offline() else ''}; the model downloads "
        "on first use;\n"
        f"  2. pre-download it on a connected machine with `hf download {name}` and copy that machine's cache "
        "($HF_HOME/hub, by default ~/.cache/huggingface/hub) here;\n"
        "  3. point model.name at a local directory holding config.json, the weights and the tokenizer, e.g. "
        f"`--model.name /models/{name.rsplit('/', 1)[-1]}`."
    )


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' chatter for a block: info/warnings ('newly initialised classifier weights'), its
    tqdm bars ('Loading weights', 'Writing model shards') and root-logger warnings from onnxruntime's
    quantiser. classify shows its own progress (rich, on a terminal only)."""
    from transformers.utils import logging as tlog

    before = tlog.get_verbosity()
    bars = tlog.is_progress_bar_enabled()
    disabled = logging.root.manager.disable
    tlog.set_verbosity_error()
    tlog.disable_progress_bar()
    logging.disable(max(disabled, logging.WARNING))
    try:
        yield
    finally:
        tlog.set_verbosity(before)
        if bars:
            tlog.enable_progress_bar()
        logging.disable(disabled)


def load_pretrained(name: str, *, revision: str | None = None, model_class: Any = None,
                    **model_kwargs: Any):  # type: ignore[no-untyped-def]
    """``(model, tokenizer)`` for a Hub id or a local directory; :class:`ModelNotAvailableError` if neither works.

    ``model_class`` is the ``transformers`` auto class that builds the model (default
    ``AutoModelForSequenceClassification``; :mod:`classify.pretrain` passes ``AutoModelForMaskedLM``).
    ``HF_HUB_OFFLINE=1`` is respected: the Hub is then never contacted and only the cache is used.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if model_class is None:
        model_class = AutoModelForSequenceClassification
    try:
        with _quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(name, revision=revision)
            model = model_class.from_pretrained(name, revision=revision, **model_kwargs)
    except (OSError, ValueError) as e:
        raise ModelNotAvailableError(_unavailable_message(name, e)) from e
    return model, tokenizer


# --------------------------------------------------------------------------------------------------
# Inference engines
# --------------------------------------------------------------------------------------------------


class _Runner:
    """Runs windows through one engine in length-sorted batches (less padding); returns logits in input order."""

    def __init__(self, encoder: _WindowEncoder, batch_size: int) -> None:
        self.encoder = encoder
        self.batch_size = batch_size

    def _forward(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def logits(self, windows: Sequence[Sequence[int]], num_labels: int, progress: bool | None = None) -> np.ndarray:
        out = np.zeros((len(windows), num_labels), dtype=np.float32)
        order = np.argsort([len(w) for w in windows], kind="stable")
        with progress_bar("classifying", total=len(windows), enabled=progress_enabled(progress)) as advance:
            for lo in range(0, len(order), self.batch_size):
                idx = order[lo:lo + self.batch_size]
                out[idx] = self._forward(self.encoder.pad([windows[i] for i in idx]))
                advance(len(idx))
        return out


class _TorchRunner(_Runner):
    """PyTorch: on a GPU with the configured mixed ``precision``; on a CPU in fp32, or under bf16 autocast
    with ``cpu_bf16``."""

    def __init__(self, encoder: _WindowEncoder, batch_size: int, model: Any, precision: str, *,
                 cpu_bf16: bool = False) -> None:
        super().__init__(encoder, batch_size)
        self.model = model
        self.precision = precision
        self.cpu_bf16 = cpu_bf16

    def _forward(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        import torch

        device = next(self.model.parameters()).device
        inputs = {k: torch.from_numpy(v).to(device) for k, v in batch.items()}
        dtype = _autocast_dtype(self.precision) if device.type == "cuda" else None
        with torch.inference_mode():
            if dtype is not None:
                with torch.autocast("cuda", dtype=dtype):
                    logits = self.model(**inputs).logits
            elif self.cpu_bf16 and device.type == "cpu":
                with cpu_bf16_autocast(self.model):
                    logits = self.model(**inputs).logits
            else:
                logits = self.model(**inputs).logits
        return logits.float().cpu().numpy()


def cpu_bf16_supported() -> bool:
    """Whether this CPU computes in bfloat16 natively, so that bf16 autocast is faster than fp32.

    ``torch.ops.mkldnn._is_mkldnn_bf16_supported()`` alone is not enough: on x86 it is also true for AVX-512
    CPUs without bf16 instructions (Skylake, Cascade Lake), where oneDNN emulates bf16 and runs slower than
    fp32. So on x86 the CPU must also have AVX512-BF16 or AMX tiles (Cooper Lake, Sapphire Rapids and later,
    AMD Zen 4 and later); on Arm the oneDNN check already means the BF16 extension.
    """
    import platform

    import torch

    try:
        if not (torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()):
            return False
    except (AttributeError, RuntimeError):  # pragma: no cover - a torch build without these ops
        return False
    if platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86"):
        cpu = torch.cpu
        checks = [getattr(cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
        return any(bool(check()) for check in checks if check is not None)
    return True


def _require_backend(backend: str) -> None:
    """Refuse a backend this machine cannot run well (only ``torch-bf16`` on a CPU without native bf16)."""
    if backend != "torch-bf16":
        return
    import torch

    if torch.cuda.is_available() or cpu_bf16_supported():
        return
    raise BackendUnavailableError(
        "backend 'torch-bf16' needs a CPU with native bfloat16 instructions (AVX512-BF16 or AMX on x86, BF16 "
        "on Arm); this one would emulate bf16, slower than fp32. Use backend 'onnx-int8' (after `classify "
        "export-onnx`) for fast CPU inference here, or 'torch'.")


@contextmanager
def cpu_bf16_autocast(model: Any) -> Iterator[None]:
    """CPU bfloat16 autocast around a ``...ForSequenceClassification`` forward pass, with the classifier head
    (``model.classifier`` or ``model.score``) run in fp32 on fp32 inputs, so the logits -- whose small
    differences decide close calls -- do not carry bf16's 8-bit mantissa."""
    import torch

    head = next((m for m in (getattr(model, "classifier", None), getattr(model, "score", None))
                 if isinstance(m, torch.nn.Module)), None)
    hooks: list[Any] = []
    contexts: list[Any] = []

    def enter(_module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        ctx = torch.autocast("cpu", enabled=False)
        ctx.__enter__()
        contexts.append(ctx)
        return tuple(a.float() if torch.is_tensor(a) and a.is_floating_point() else a for a in args)

    def leave(_module: Any, _args: Any, _output: Any) -> None:
        if contexts:
            contexts.pop().__exit__(None, None, None)

    with torch.autocast("cpu", dtype=torch.bfloat16):
        if head is not None:
            hooks = [head.register_forward_pre_hook(enter), head.register_forward_hook(leave)]
        try:
            yield
        finally:
            for hook in hooks:
                hook.remove()
            while contexts:  # the head raised: leave its fp32 region before the bf16 one
                contexts.pop().__exit__(None, None, None)


class _OnnxRunner(_Runner):
    def __init__(self, encoder: _WindowEncoder, batch_size: int, path: Path) -> None:
        super().__init__(encoder, batch_size)
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def _forward(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feeds = {k: v for k, v in batch.items() if k in self.inputs}
        return self.session.run(["logits"], feeds)[0]


def _autocast_dtype(precision: str):  # type: ignore[no-untyped-def]
    """The mixed-precision dtype for ``precision`` on this machine, or None (fp32; always on CPU)."""
    import torch

    if precision == "fp32" or not torch.cuda.is_available():
        return None
    if precision == "bf16" or (precision == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16


def quantize_torch_int8(model: Any) -> Any:
    """A copy of ``model`` whose ``Linear`` layers use int8 weights with dynamic activation quantisation (CPU)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model.to("cpu").eval(), {torch.nn.Linear}, dtype=torch.qint8, inplace=False)


# --------------------------------------------------------------------------------------------------
# Training helpers
# --------------------------------------------------------------------------------------------------


class _WindowDataset:
    """A map-style dataset of padded-later windows with their label and loss weight."""

    def __init__(self, windows: list[list[int]], labels: np.ndarray, weights: np.ndarray) -> None:
        self.windows = windows
        self.labels = labels
        self.weights = weights

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"window": self.windows[i], "labels": int(self.labels[i]), "sample_weight": float(self.weights[i])}


def _collator(encoder: _WindowEncoder):  # type: ignore[no-untyped-def]
    import torch

    def collate(items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        batch = {k: torch.from_numpy(v) for k, v in encoder.pad([it["window"] for it in items]).items()}
        batch["labels"] = torch.tensor([it["labels"] for it in items], dtype=torch.long)
        batch["sample_weight"] = torch.tensor([it["sample_weight"] for it in items], dtype=torch.float32)
        return batch

    return collate


def _weighted_trainer_class():  # type: ignore[no-untyped-def]
    """``Trainer`` whose loss is the weighted mean cross-entropy over a batch (class x sample x window weights)."""
    import torch
    from transformers import Trainer

    class WeightedTrainer(Trainer):
        loss_is_scaled_for_ga = False  # a per-batch mean: Trainer divides by the accumulation steps

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # type: ignore[no-untyped-def, override]
            labels = inputs.pop("labels")
            weights = inputs.pop("sample_weight")
            outputs = model(**inputs)
            losses = torch.nn.functional.cross_entropy(outputs.logits.float(), labels, reduction="none")
            loss = (losses * weights).sum() / weights.sum().clamp_min(1e-12)
            return (loss, outputs) if return_outputs else loss

    return WeightedTrainer


def training_arguments(output_dir: str, c: Any, *, seed: int, dtype: Any, **extra: Any):  # type: ignore[no-untyped-def]
    """``TrainingArguments`` with what fine-tuning and :mod:`classify.pretrain` share: the optimiser fields of
    config ``c`` (learning_rate, epochs, batch_size, gradient_accumulation_steps, warmup_ratio, weight_decay,
    max_grad_norm), the seed, mixed precision only on a GPU (``dtype`` from :func:`_autocast_dtype`), one log
    row per epoch, and quiet, local-only logging. ``extra`` adds or overrides fields."""
    import torch
    from transformers import TrainingArguments

    fields: dict[str, Any] = dict(
        output_dir=output_dir,
        learning_rate=c.learning_rate,
        num_train_epochs=c.epochs,
        per_device_train_batch_size=c.batch_size,
        gradient_accumulation_steps=c.gradient_accumulation_steps,
        warmup_steps=c.warmup_ratio,  # a float in [0, 1) is a ratio of the total steps
        weight_decay=c.weight_decay,
        max_grad_norm=c.max_grad_norm,
        lr_scheduler_type="linear",
        seed=seed,
        data_seed=seed,
        fp16=dtype is not None and dtype == torch.float16,
        bf16=dtype is not None and dtype == torch.bfloat16,
        use_cpu=not torch.cuda.is_available(),
        logging_strategy="epoch",
        report_to="none",
        disable_tqdm=True,
        log_level="error",
        remove_unused_columns=False,
        dataloader_num_workers=0,
    )
    fields.update(extra)
    return TrainingArguments(**fields)


def _progress_callback(total_steps: int, description: str = "fine-tuning",
                       enabled: bool | None = None):  # type: ignore[no-untyped-def]
    """A TrainerCallback that drives classify's rich progress bar (silent when piped, or with ``enabled=False``)."""
    from transformers import TrainerCallback

    class ProgressCallback(TrainerCallback):
        def __init__(self) -> None:
            self._cm: Any = None
            self._advance: Any = None
            self._epoch_start = 0.0
            #: wall-clock seconds of each epoch's training steps (evaluation excluded), in order
            self.epoch_seconds: list[float] = []

        def on_epoch_begin(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            self._epoch_start = time.perf_counter()

        def on_epoch_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            self.epoch_seconds.append(round(time.perf_counter() - self._epoch_start, 3))

        def on_train_begin(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            self._cm = progress_bar(description, total=total_steps, enabled=enabled)
            self._advance = self._cm.__enter__()

        def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            if self._advance is not None:
                self._advance(1)

        def on_train_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            if self._cm is not None:
                self._cm.__exit__(None, None, None)
                self._cm = self._advance = None

    return ProgressCallback()


# --------------------------------------------------------------------------------------------------
# The classifier
# --------------------------------------------------------------------------------------------------


class TransformerClassifier:
    """A fine-tuned ``AutoModelForSequenceClassification`` behind the Classifier interface.

    ``labels`` is the column order of :meth:`predict_proba` (sorted label names, as in the model's
    ``id2label``). ``info`` holds what ``classify.json`` says; :func:`classify.training.train_model` fills
    it. ``model`` and ``tokenizer`` are the plain ``transformers`` objects.
    """

    kind = "transformer"
    config_class = TransformerConfig

    def __init__(self, config: TransformerConfig | dict[str, Any] | None = None, *, seed: int = 0) -> None:
        if config is None:
            config = TransformerConfig()
        elif isinstance(config, dict):
            config = TransformerConfig.model_validate(config)
        self.config: TransformerConfig = config
        self.seed = seed
        self.labels: list[str] = []
        self.model: Any = None
        self.tokenizer: Any = None
        self.info = ModelInfo(kind=self.kind, labels=[])
        self._source_dir: Path | None = None
        self._runner: _Runner | None = None
        self._runner_key: tuple[str, int, str] | None = None
        self._reference: _Runner | None = None  # plain fp32 PyTorch, for close-call refinement
        self._reference_key: int | None = None
        self._encoder: _WindowEncoder | None = None
        #: close-call refinement, summed over predict_proba calls: articles classified / refined in fp32, and
        #: their windows (``refine_margin``; all zero refined with the ``torch`` backend or a margin of 0)
        self.refine_stats: dict[str, int] = {"articles": 0, "refined": 0, "windows": 0, "refined_windows": 0}
        #: (articles refined, articles) in the last predict_proba call
        self.last_refined: tuple[int, int] = (0, 0)

    @classmethod
    def from_config(cls, config: TransformerConfig | dict[str, Any], *, seed: int = 0) -> TransformerClassifier:
        """An unfitted classifier for the ``model:`` section of a training config."""
        return cls(config, seed=seed)

    # -- training ---------------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        eval_texts: Sequence[str] | None = None,
        eval_labels: Sequence[str] | None = None,
        sample_weight: Sequence[float] | None = None,
        groups: Sequence[str] | None = None,
    ) -> TransformerClassifier:
        """Fine-tune on article texts and labels.

        With ``eval_*`` the model is evaluated after every epoch on article-level macro-F1 (window logits
        aggregated as in prediction); the best epoch is kept and training stops after
        ``early_stopping_patience`` epochs without improvement (validation articles whose label is absent
        from training are left out of that choice). ``sample_weight`` scales articles' losses;
        ``groups`` is accepted for interface parity (no internal search here).
        """
        import torch
        from transformers import EarlyStoppingCallback, set_seed

        texts = [t if isinstance(t, str) else "" for t in texts]
        labels = [str(y) for y in labels]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        names = sorted(set(labels))
        if len(names) < 2:
            raise ValueError("need at least two distinct labels to train a classifier")
        if (eval_texts is None) != (eval_labels is None):
            raise ValueError("pass eval_texts and eval_labels together")
        index = {name: i for i, name in enumerate(names)}
        y = np.array([index[v] for v in labels], dtype=np.int64)
        eval_y: np.ndarray | None = None
        dropped_eval: dict[str, int] = {}
        if eval_texts is not None and eval_labels is not None:
            eval_texts, eval_labels = list(eval_texts), [str(v) for v in eval_labels]
            if len(eval_texts) != len(eval_labels):
                raise ValueError(f"{len(eval_texts)} eval texts but {len(eval_labels)} eval labels")
            # A label the model cannot predict says nothing about which epoch is best: leave it out.
            for v in eval_labels:
                if v not in index:
                    dropped_eval[v] = dropped_eval.get(v, 0) + 1
            if dropped_eval:
                log.warning("validation examples with labels unseen in training are not used for early "
                            "stopping: %s", dropped_eval)
            keep = [i for i, v in enumerate(eval_labels) if v in index]
            eval_texts = [eval_texts[i] for i in keep] if keep else None
            eval_y = np.array([index[eval_labels[i]] for i in keep], dtype=np.int64) if keep else None

        c = self.config
        set_seed(self.seed)
        if c.scratch is not None:
            model, tokenizer = build_scratch_model(texts, names, c.scratch, max_length=c.max_length, seed=self.seed)
        else:
            assert c.name is not None
            model, tokenizer = load_pretrained(
                c.name, revision=c.revision, num_labels=len(names), id2label=dict(enumerate(names)),
                label2id=index, ignore_mismatched_sizes=True)
        limit = getattr(model.config, "max_position_embeddings", None)
        if limit is not None and c.max_length > limit:
            raise ValueError(f"model.max_length {c.max_length} exceeds what {c.name!r} can read ({limit} tokens)")
        encoder = _WindowEncoder(tokenizer, c)

        # Per-article weight: class balance x caller's weight; split evenly over the article's windows.
        w_doc = np.ones(len(texts), dtype=np.float64)
        if c.class_weight == "balanced":
            counts = np.bincount(y, minlength=len(names)).astype(np.float64)
            w_doc *= (len(y) / (len(names) * counts))[y]
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float64)
            if sw.shape != (len(texts),):
                raise ValueError(f"sample_weight has shape {sw.shape}, expected ({len(texts)},)")
            w_doc *= sw
        windows, doc = encoder.encode(texts, max_windows=c.max_train_windows)
        per_doc = np.bincount(doc, minlength=len(texts))
        train_set = _WindowDataset(windows, y[doc], (w_doc / per_doc)[doc])

        eval_set = None
        compute_metrics = None
        if eval_texts is not None and eval_y is not None:
            e_windows, e_doc = encoder.encode(list(eval_texts))
            order = np.argsort([len(w) for w in e_windows], kind="stable")  # less padding in evaluation
            e_windows = [e_windows[i] for i in order]
            e_doc = e_doc[order]
            eval_set = _WindowDataset(e_windows, eval_y[e_doc], np.ones(len(e_windows)))
            compute_metrics = _article_metrics(e_doc, eval_y, len(names), c.aggregate)

        cuda = torch.cuda.is_available()
        dtype = _autocast_dtype(c.precision) if cuda else None
        if not cuda and c.precision in ("fp16", "bf16"):
            log.warning("model.precision=%s needs a GPU; training in fp32 on the CPU", c.precision)
        steps_per_epoch = math.ceil(len(train_set) / (c.batch_size * c.gradient_accumulation_steps))
        total_steps = max(1, math.ceil(steps_per_epoch * c.epochs))
        strategy = "epoch" if eval_set is not None else "no"
        with tempfile.TemporaryDirectory(prefix="classify-train-") as out:
            args = training_arguments(
                out, c, seed=self.seed, dtype=dtype,
                per_device_eval_batch_size=c.eval_batch_size,
                eval_strategy=strategy,
                save_strategy=strategy,
                save_only_model=True,
                save_total_limit=1,
                load_best_model_at_end=eval_set is not None,
                metric_for_best_model="macro_f1" if eval_set is not None else None,
                greater_is_better=True,
            )
            timer = _progress_callback(total_steps)
            callbacks: list[Any] = [timer]
            if eval_set is not None and c.early_stopping_patience is not None:
                callbacks.append(EarlyStoppingCallback(early_stopping_patience=c.early_stopping_patience))
            with _quiet_transformers():
                trainer = _weighted_trainer_class()(
                    model=model, args=args, data_collator=_collator(encoder), train_dataset=train_set,
                    eval_dataset=eval_set, compute_metrics=compute_metrics, callbacks=callbacks)
                from transformers.trainer_callback import PrinterCallback

                trainer.remove_callback(PrinterCallback)  # logs go to classify.json, not stdout
                trainer.train()
            history = _history(trainer.state.log_history)
            for row, seconds in zip(history, timer.epoch_seconds):
                row["train_seconds"] = seconds
            best = trainer.state.best_metric

        self.model = trainer.model.eval()
        self.tokenizer = tokenizer
        self.labels = names
        self._encoder = encoder
        self._runner = None
        self._source_dir = None
        self.info.labels = list(names)
        self.info.extra["training"] = {
            "train_articles": len(texts),
            "train_windows": len(train_set),
            "eval_articles": 0 if eval_y is None else len(eval_y),
            "eval_dropped_labels": dropped_eval,
            "epochs_run": round(float(trainer.state.epoch or 0), 3),
            "steps": int(trainer.state.global_step),
            "best_eval_macro_f1": None if best is None else float(best),
            "history": history,
            "train_runtime_seconds": next((round(float(e["train_runtime"]), 2) for e in trainer.state.log_history
                                           if "train_runtime" in e), None),
            "device": torch.cuda.get_device_name(0) if cuda else "cpu",
            "precision": "fp32" if dtype is None else str(dtype).removeprefix("torch."),
        }
        self.info.extra["encoder"] = _encoder_source(c)
        return self

    # -- inference --------------------------------------------------------------------------------

    def predict_proba(self, texts: Sequence[str], *, progress: bool | None = None) -> np.ndarray:
        """Probabilities, shape ``(len(texts), len(labels))``, columns in :attr:`labels` order.

        Each article is cut into windows per ``long_text`` (with ``chunk`` the whole article is read) and the
        windows' logits are aggregated before the softmax.
        """
        return self._predict_proba(texts, progress)[1]

    def _predict_proba(self, texts: Sequence[str], progress: bool | None) -> tuple[np.ndarray, np.ndarray]:
        """(the engine's probabilities, the same after close-call refinement)."""
        if self.tokenizer is None:
            raise RuntimeError("this TransformerClassifier is not fitted; call fit() or load()")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels))), np.zeros((0, len(self.labels)))
        encoder = self._window_encoder()
        windows, doc = encoder.encode(texts)
        c = self.config
        logits = self._engine().logits(windows, len(self.labels), progress)
        fast = _softmax(aggregate_logits(logits, doc, len(texts), c.aggregate))
        proba = fast.copy()
        close = close_calls(proba, c.refine_margin) if c.backend in FAST_BACKENDS else close_calls(proba, 0)
        refined_windows = 0
        if close.size:
            # the cascade: near-ties are where low-precision noise flips decisions; redo those articles in fp32
            rows = np.flatnonzero(np.isin(doc, close))
            fp32 = self._reference_engine().logits([windows[i] for i in rows], len(self.labels), False)
            keep = {int(d): k for k, d in enumerate(close)}
            sub_doc = np.array([keep[int(d)] for d in doc[rows]], dtype=np.int64)
            proba[close] = _softmax(aggregate_logits(fp32, sub_doc, len(close), c.aggregate))
            refined_windows = len(rows)
        self.last_refined = (int(close.size), len(texts))
        stats = self.refine_stats
        stats["articles"] += len(texts)
        stats["refined"] += int(close.size)
        stats["windows"] += len(windows)
        stats["refined_windows"] += refined_windows
        return fast, proba

    @property
    def uses_accelerator(self) -> bool:
        """True when inference runs on a GPU (then one process should drive it: no forked workers)."""
        if self.config.backend not in ("torch", "torch-bf16"):
            return False
        import torch

        return bool(torch.cuda.is_available())

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label per text."""
        proba = self.predict_proba(texts)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def count_windows(self, texts: Sequence[str]) -> list[int]:
        """How many windows each text is read as (1 unless chunking splits it)."""
        _, doc = self._window_encoder().encode(list(texts))
        return np.bincount(doc, minlength=len(texts)).tolist()

    def with_backend(self, backend: Backend, *, refine_margin: float | None = None) -> TransformerClassifier:
        """Switch the inference engine in place (``onnx*`` needs :func:`export_onnx` files in the model dir);
        ``refine_margin`` (when given) replaces the close-call refinement margin."""
        config = _updated(self.config, backend=backend, refine_margin=refine_margin)
        _require_backend(config.backend)
        self.config = config
        self._runner = None
        return self

    def _window_encoder(self) -> _WindowEncoder:
        if self._encoder is None or self._encoder.config is not self.config:  # config may be replaced
            self._encoder = _WindowEncoder(self.tokenizer, self.config)
        return self._encoder

    def _torch_model(self) -> Any:
        if self.model is None:
            if self._source_dir is None:
                raise RuntimeError("no model weights loaded")
            from transformers import AutoModelForSequenceClassification

            with _quiet_transformers():
                self.model = AutoModelForSequenceClassification.from_pretrained(self._source_dir).eval()
        return self.model

    def _reference_engine(self) -> _Runner:
        """Plain fp32 PyTorch on the model's device, for close-call refinement (weights loaded on first use)."""
        c = self.config
        if self._reference is not None and self._reference_key == c.eval_batch_size:
            return self._reference
        model = self._torch_model()
        self._reference = _TorchRunner(self._window_encoder(), c.eval_batch_size, model, "fp32")
        self._reference_key = c.eval_batch_size
        return self._reference

    def _engine(self) -> _Runner:
        """The inference engine for the current config (rebuilt when backend, batch size or precision change)."""
        c = self.config
        key = (c.backend, c.eval_batch_size, c.precision)
        if self._runner is not None and self._runner_key == key:
            return self._runner
        _require_backend(c.backend)
        encoder = self._window_encoder()
        runner: _Runner
        if c.backend in ONNX_FILES:
            path = None if self._source_dir is None else self._source_dir / ONNX_DIR / ONNX_FILES[c.backend]
            if path is None or not path.is_file():
                raise FileNotFoundError(
                    f"backend {c.backend!r} needs {ONNX_DIR}/{ONNX_FILES[c.backend]} in the model directory; "
                    "create it with classify.models.transformer.export_onnx(model_dir, check_texts=...)")
            runner = _OnnxRunner(encoder, c.eval_batch_size, path)
        elif c.backend == "torch-int8":
            runner = _TorchRunner(encoder, c.eval_batch_size, quantize_torch_int8(self._torch_model()), "fp32")
        else:
            import torch

            model = self._torch_model()
            if torch.cuda.is_available() and next(model.parameters()).device.type == "cpu":
                model = model.to("cuda")
            on_cpu = next(model.parameters()).device.type == "cpu"
            runner = _TorchRunner(encoder, c.eval_batch_size, model, c.precision,
                                  cpu_bf16=c.backend == "torch-bf16" and on_cpu)
        self._runner, self._runner_key = runner, key
        return runner

    # -- persistence ------------------------------------------------------------------------------

    def save(self, model_dir: str | Path) -> Path:
        """Write weights (safetensors), tokenizer and ``classify.json`` to ``model_dir`` atomically.

        ONNX exports of a loaded model are carried over when the weights are unchanged.
        """
        if self.tokenizer is None:
            raise RuntimeError("cannot save an unfitted TransformerClassifier")
        info = self.info
        info.kind = self.kind
        info.labels = list(self.labels)
        # the live model config is the truth (with_backend, a changed aggregate); the rest is train_model's
        info.config = {**(info.config or {}), "model": self.config.model_dump(mode="json")}
        info.extra["seed"] = self.seed
        info.versions = {**package_versions("torch", "transformers", "tokenizers", "safetensors"), **info.versions}
        info.created = info.created or datetime.now(timezone.utc).isoformat(timespec="seconds")
        model = self._torch_model()
        with atomic_directory(model_dir) as tmp, _quiet_transformers():
            model.save_pretrained(tmp)
            self.tokenizer.save_pretrained(tmp)
            if self._source_dir is not None and (self._source_dir / ONNX_DIR).is_dir():
                shutil.copytree(self._source_dir / ONNX_DIR, tmp / ONNX_DIR)
            (tmp / MODEL_INFO_FILE).write_text(info.to_json() + "\n", encoding="utf-8")
        return Path(model_dir)

    @classmethod
    def load(cls, model_dir: str | Path, *, backend: Backend | None = None,
             refine_margin: float | None = None) -> TransformerClassifier:
        """Load a saved model; ``backend`` and ``refine_margin`` override what ``classify.json`` records.

        An explicitly requested backend this machine cannot run raises :class:`BackendUnavailableError` here;
        one recorded in ``classify.json`` only when predicting, so that it can still be overridden.
        """
        from transformers import AutoTokenizer

        model_dir = Path(model_dir)
        info = ModelInfo.read(model_dir)
        if info.kind != cls.kind:
            raise ValueError(f"{model_dir}: a {info.kind!r} model, not a {cls.kind!r} one")
        hf_config = model_dir / "config.json"
        if not hf_config.is_file():
            raise FileNotFoundError(f"{hf_config}: missing (saved by save_pretrained)")
        id2label = json.loads(hf_config.read_text(encoding="utf-8")).get("id2label") or {}
        weights_labels = [id2label.get(str(i)) for i in range(len(id2label))]
        if weights_labels != list(info.labels):
            raise ValueError(f"{model_dir}: classify.json labels {info.labels} do not match config.json's "
                             f"id2label {weights_labels}")
        model_cfg = info.config.get("model", {}) if isinstance(info.config, dict) else {}
        config = TransformerConfig.model_validate(model_cfg) if model_cfg else TransformerConfig()
        config = _updated(config, backend=backend, refine_margin=refine_margin)
        if backend is not None:
            _require_backend(config.backend)
        clf = cls(config, seed=int(info.extra.get("seed", 0)))
        with _quiet_transformers():
            clf.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        clf._source_dir = model_dir
        clf.labels = list(info.labels)
        clf.info = info
        if config.backend not in ONNX_FILES:  # an ONNX engine never needs the torch weights
            clf._torch_model()
        return clf

    def __repr__(self) -> str:
        state = f"labels={self.labels}" if self.labels else "unfitted"
        src = "scratch" if self.config.scratch is not None else self.config.name
        return f"TransformerClassifier({src!r}, long_text={self.config.long_text!r}, {state})"


def _updated(config: TransformerConfig, **changes: Any) -> TransformerConfig:
    """``config`` with the non-None ``changes`` applied and validated (``model_copy`` alone validates nothing)."""
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        return config
    return TransformerConfig.model_validate({**config.model_dump(), **changes})


def _encoder_source(config: TransformerConfig) -> dict[str, Any]:
    """Where a fine-tuned model's encoder came from, for ``classify.json``: built from scratch, a Hub id (with
    its revision) or a local directory, with the facts ``classify pretrain`` recorded there if it wrote it."""
    if config.scratch is not None:
        return {"source": "scratch"}
    assert config.name is not None
    out: dict[str, Any] = {"source": config.name, "revision": config.revision}
    path = Path(config.name).expanduser()
    if path.is_dir():
        from classify.pretrain import PRETRAIN_INFO_FILE

        out["path"] = str(path.resolve())
        try:
            facts = json.loads((path / PRETRAIN_INFO_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            facts = None
        if isinstance(facts, dict):
            out["pretrain"] = {k: facts.get(k) for k in (
                "source", "created", "input_fingerprint", "records", "tokens_seen", "perplexity")}
    return out


def _article_metrics(doc: np.ndarray, y: np.ndarray, num_labels: int, how: str):  # type: ignore[no-untyped-def]
    """``compute_metrics`` for Trainer: aggregate window logits per article, then macro-F1 and accuracy."""
    from sklearn.metrics import f1_score

    def compute(eval_pred: Any) -> dict[str, float]:
        logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
        pred = aggregate_logits(np.asarray(logits), doc, len(y), how).argmax(axis=1)
        return {
            "macro_f1": float(f1_score(y, pred, average="macro", labels=list(range(num_labels)), zero_division=0)),
            "accuracy": float((pred == y).mean()),
        }

    return compute


def _history(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per epoch: training loss and validation metrics, as logged by Trainer."""
    rows: dict[float, dict[str, Any]] = {}
    for entry in log_history:
        epoch = entry.get("epoch")
        if epoch is None:
            continue
        row = rows.setdefault(round(float(epoch), 3), {"epoch": round(float(epoch), 3)})
        for key in ("loss", "eval_loss", "eval_macro_f1", "eval_accuracy", "learning_rate"):
            if key in entry:
                row[key] = float(entry[key])
    return [rows[k] for k in sorted(rows)]


# --------------------------------------------------------------------------------------------------
# Fast CPU inference: ONNX export + int8, with an agreement check
# --------------------------------------------------------------------------------------------------


def compare_predictions(reference: np.ndarray, candidate: np.ndarray, *, margin: float = 0.1) -> dict[str, float]:
    """How far a fast path's probabilities are from the reference's.

    ``argmax_agreement`` over all rows; ``decisive_agreement`` over the ``decisive_n`` rows where the
    reference's top two probabilities differ by at least ``margin`` (flips elsewhere are near-ties);
    ``max_abs_prob_diff`` and ``mean_abs_prob_diff`` over all probabilities.
    """
    reference = np.asarray(reference, dtype=np.float64)
    candidate = np.asarray(candidate, dtype=np.float64)
    if reference.shape != candidate.shape:
        raise ValueError(f"shapes differ: {reference.shape} vs {candidate.shape}")
    if not len(reference):
        return {"n": 0, "argmax_agreement": 1.0, "decisive_n": 0, "decisive_agreement": 1.0,
                "max_abs_prob_diff": 0.0, "mean_abs_prob_diff": 0.0}
    same = reference.argmax(1) == candidate.argmax(1)
    top2 = np.sort(reference, axis=1)[:, -2:] if reference.shape[1] > 1 else np.hstack([reference, reference])
    decisive = (top2[:, 1] - top2[:, 0]) >= margin
    return {
        "n": len(reference),
        "argmax_agreement": float(same.mean()),
        "decisive_n": int(decisive.sum()),
        "decisive_agreement": float(same[decisive].mean()) if decisive.any() else 1.0,
        "max_abs_prob_diff": float(np.abs(reference - candidate).max()),
        "mean_abs_prob_diff": float(np.abs(reference - candidate).mean()),
    }


def export_model_onnx(model: Any, path: Path, *, token_types: bool = True, opset: int = 17) -> Path:
    """Export a ``...ForSequenceClassification`` model to ONNX with dynamic batch and sequence axes.

    Eager attention is used for the export so ONNX Runtime sees plain MatMul/Softmax it can quantise and fuse.
    """
    import warnings

    import torch

    model = model.to("cpu").eval()
    before = getattr(model.config, "_attn_implementation", None)
    if before not in (None, "eager") and hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation("eager")
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if token_types else [])
    dummy = tuple(torch.ones((2, 16), dtype=torch.long) for _ in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, dummy, str(path), input_names=names, output_names=["logits"],
                              dynamic_axes=axes, opset_version=opset, dynamo=False, do_constant_folding=True)
    finally:
        if before not in (None, "eager") and hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation(before)
    return path


def quantize_onnx_int8(source: Path, target: Path, *, per_channel: bool = False) -> Path:
    """Dynamic int8 quantisation of an ONNX model's weights (activations are quantised at run time).

    Only MatMuls with constant weights (and the embedding lookups) are quantised, never activation x
    activation products such as attention scores. ``per_channel`` gives each output column its own scale;
    on a BERT-base-sized model it ran at the same speed and did not reduce the probability error
    consistently (``benchmarks/bert_cpu_inference.py``), so the simpler per-tensor scheme is the default.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=per_channel)
    return target


def export_onnx(model_dir: str | Path, check_texts: Sequence[str], *, quantize: bool = True,
                min_agreement: float = 0.99, make_default: bool = True, backend: Backend | None = None,
                refine_margin: float = 0.0) -> dict[str, Any]:
    """Add ONNX exports to a saved transformer model and check them against the fp32 PyTorch model.

    Writes ``onnx/model.onnx`` (fp32) and, with ``quantize``, ``onnx/model_int8.onnx``; classifies
    ``check_texts`` with PyTorch and with the fast engine; refuses (:class:`FastPathDisagreesError`, model
    directory untouched) when argmax agreement falls below ``min_agreement``. With ``make_default`` the
    fast engine becomes the model's ``backend`` in ``classify.json``, so ``classify predict`` uses it.
    Returns the agreement report (also stored under ``extra.onnx`` in ``classify.json``).

    ``backend`` (any fast path, not only ONNX; it takes precedence over ``quantize``) and ``refine_margin``
    are passed to :func:`check_fast_path`, which does the work.
    """
    if backend is None:
        backend = "onnx-int8" if quantize else "onnx"
    return check_fast_path(model_dir, check_texts, backend=backend, refine_margin=refine_margin,
                           min_agreement=min_agreement, make_default=make_default)


def check_fast_path(model_dir: str | Path, check_texts: Sequence[str], *, backend: Backend = "onnx-int8",
                    refine_margin: float = 0.0, min_agreement: float = 0.99,
                    make_default: bool = True) -> dict[str, Any]:
    """Check a fast inference path against the fp32 PyTorch model on ``check_texts``; keep it if it agrees.

    ``onnx``/``onnx-int8`` first write the ONNX exports (``onnx/``); ``torch-bf16``/``torch-int8`` need no
    files. The fast path classifies ``check_texts`` with close-call refinement at ``refine_margin``
    applied, as it will in use. Below ``min_agreement`` argmax agreement with fp32 it raises
    :class:`FastPathDisagreesError` and the model directory is left unchanged; otherwise the report
    (agreement, probability differences, the fast path's agreement without refinement and the share of
    texts refined) is stored under ``extra.fast_path`` in ``classify.json`` (for ONNX also under
    ``extra.onnx``), and with ``make_default`` ``backend`` and ``refine_margin`` become the model's
    inference settings. A backend this machine cannot run raises :class:`BackendUnavailableError` first.
    """
    model_dir = Path(model_dir)
    check_texts = list(check_texts)
    if not check_texts:
        raise ValueError("checking a fast path needs some check_texts to compare with the fp32 model")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if not 0.0 <= refine_margin < 1.0:
        raise ValueError(f"refine_margin must lie in [0, 1), got {refine_margin}")
    _require_backend(backend)
    reference = TransformerClassifier.load(model_dir, backend="torch")
    ref_proba = reference.predict_proba(check_texts)

    def judge(fast: TransformerClassifier) -> dict[str, Any]:
        fast.model = reference.model  # the same fp32 weights: refinement need not load them again
        fast.refine_stats = dict.fromkeys(fast.refine_stats, 0)
        unrefined, proba = fast._predict_proba(check_texts, None)
        report: dict[str, Any] = {"backend": backend, **compare_predictions(ref_proba, proba)}
        if refine_margin > 0:
            refined = fast.refine_stats["refined"]
            report.update({
                "refine_margin": refine_margin,
                "refined": refined,
                "refined_share": refined / len(check_texts),
                "unrefined_argmax_agreement": compare_predictions(ref_proba, unrefined)["argmax_agreement"],
            })
        if report["argmax_agreement"] < min_agreement:
            how = f" with refine_margin {refine_margin}" if refine_margin > 0 else ""
            raise FastPathDisagreesError(
                f"{backend}{how} agrees with the fp32 model on {report['argmax_agreement']:.1%} of {report['n']} "
                f"texts (< {min_agreement:.0%}); the model directory was left unchanged")
        return report

    def record(info: ModelInfo, report: dict[str, Any]) -> None:
        info.extra["fast_path"] = report
        if backend in ONNX_FILES:
            info.extra["onnx"] = report
        if make_default:
            model_cfg = info.config.setdefault("model", {})
            model_cfg["backend"] = backend
            model_cfg["refine_margin"] = refine_margin

    if backend not in ONNX_FILES:  # nothing to export: only classify.json changes (atomically)
        report = judge(reference.with_backend(backend, refine_margin=refine_margin))
        info = ModelInfo.read(model_dir)
        record(info, report)
        write_json_atomic(model_dir / MODEL_INFO_FILE, asdict(info), sort_keys=True)  # as ModelInfo.to_json
        return report

    with atomic_directory(model_dir) as tmp:
        for item in model_dir.iterdir():
            if item.name == ONNX_DIR:
                continue
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, tmp / item.name)
        fp32 = export_model_onnx(reference.model, tmp / ONNX_DIR / ONNX_FILES["onnx"],
                                 token_types=reference._window_encoder().token_types)
        if backend == "onnx-int8":
            with _quiet_transformers():
                quantize_onnx_int8(fp32, tmp / ONNX_DIR / ONNX_FILES["onnx-int8"])
        report = judge(TransformerClassifier.load(tmp, backend=backend, refine_margin=refine_margin))
        info = ModelInfo.read(tmp)
        record(info, report)
        (tmp / MODEL_INFO_FILE).write_text(info.to_json() + "\n", encoding="utf-8")
    return report
