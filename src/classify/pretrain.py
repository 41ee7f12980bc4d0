"""Domain pretraining: continue masked-language-model (MLM) training of an encoder on the user's unlabelled news.

``classify pretrain`` (:func:`pretrain`) is for users without a Turkish BERT at hand, or whose news differs
from what their encoder was trained on: it either continues BERTurk's (or any ``model.name``'s) MLM training
on their articles ("don't stop pretraining", Gururangan et al. 2020) or, with ``model.scratch``, trains a
small BERT from nothing on them. The result is a plain ``transformers`` directory that ``classify train``
fine-tunes like any Hub encoder: ``--model.name DIR``.

Design choices:

* **What is learned is what the classifier reads.** Raw pages go through
  :func:`classify.articles.parse_article` and :func:`classify.models.document_text` (headline + clean body),
  exactly as in ``classify train`` (``data.view: body``, via :func:`classify.training.raw_text`), so
  navigation, teasers and comment prompts are not learned. A ``classify build-dataset`` directory is read
  through the same :func:`classify.training.row_text`; its ``test`` split is left out by default
  (``data.exclude_splits``) so a classifier's test metrics stay honest. Exact duplicate texts (one story
  scraped twice) are dropped (``data.dedupe``).
* **Concatenate and chunk.** Texts are tokenized without special tokens, joined with the separator
  (``[SEP]``) and cut into blocks of ``max_length`` tokens, each wrapped as ``[CLS] ... [SEP]``, the
  layout fine-tuning uses: no padding is wasted on short articles, long ones are read whole. Only the
  last block of a stream is padded.
* **A deterministic held-out set.** A record is held out when a seeded hash of its id falls below
  ``data.heldout`` (5 %): the same record stays on the same side on every run and as the corpus grows.
  When the fraction would hold out nothing but there are at least two records, the record with the
  smallest hash is held out, so a perplexity is always measured. With ``model.scratch`` the WordPiece
  vocabulary is trained on the training records only.
* **Comparable perplexities.** Held-out perplexity is ``exp`` of the mean cross-entropy over masked
  tokens, measured before training, after every epoch and at the end, on masks drawn *once* (seeded), so
  that "before" and "after" score the same prediction problems. The same is done on a sample of training
  blocks (``train`` perplexity) to show that the model learns at all.
* **Masking.** ``transformers``' ``DataCollatorForLanguageModeling``: ``mlm_probability`` (15 %) of the
  tokens, 80 % of them replaced by ``[MASK]``, 10 % by a random token, 10 % kept. ``whole_word_mask``
  masks all pieces of a word together (words found from the fast tokenizer's character offsets; the
  collator then always uses ``[MASK]``, no random replacement).
* **Training** reuses :class:`~classify.models.transformer.TransformerClassifier`'s habits: ``Trainer``
  with AdamW, linear warm-up/decay, gradient accumulation, fp16/bf16 only on a GPU, quiet logs, no
  reporting integrations, a temporary ``output_dir`` (no checkpoints), classify's progress bar.
* **Saving** is atomic (:func:`classify.models.base.atomic_directory`): ``save_pretrained`` (safetensors)
  plus the tokenizer, and ``pretrain.json`` with the config, package versions, a fingerprint of the
  input texts, record counts, skipped records, perplexities and the per-epoch history.
* **Offline.** A ``model.name`` that is neither cached nor a local directory fails at once with the same
  actionable message as ``classify train`` (:class:`~classify.models.transformer.ModelNotAvailableError`);
  ``HF_HUB_OFFLINE=1`` is respected. ``model.scratch`` needs nothing from the Hub.
"""

from __future__ import annotations

import hashlib
import logging
import math
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from classify.configfile import read_yaml_mapping, validation_messages
from classify.models.scratch import ScratchConfig
from classify.progress import progress_bar

__all__ = [
    "PRETRAIN_INFO_FILE",
    "Blocks",
    "PretrainConfig",
    "PretrainConfigError",
    "PretrainDataConfig",
    "PretrainError",
    "PretrainModelConfig",
    "PretrainResult",
    "default_config_path",
    "fixed_masks",
    "heldout_ids",
    "load_pretrain_config",
    "masked_lm_loss",
    "pack_blocks",
    "pretrain",
]

#: facts about a pretraining run, written beside the weights
PRETRAIN_INFO_FILE = "pretrain.json"
#: training blocks whose perplexity is tracked (an even sample of them when there are more)
TRAIN_PERPLEXITY_BLOCKS = 256

log = logging.getLogger(__name__)


class PretrainConfigError(ValueError):
    """An invalid pretraining config; the message names the file and every offending field."""


class PretrainError(ValueError):
    """Pretraining cannot run on what it was given (no text, a model that cannot read the block length ...)."""


# --------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PretrainDataConfig(_Section):
    """The ``data:`` section: what is read and what is held out."""

    view: Literal["body", "page"] = Field(
        "body", description="what the model reads: headline + clean body (chrome stripped) or the whole page")
    heldout: float = Field(0.05, ge=0, lt=1, description="share of records held out for perplexity (by id hash)")
    dedupe: bool = Field(True, description="drop exact duplicate texts (the same story scraped twice)")
    exclude_splits: list[str] = Field(
        default_factory=lambda: ["test"],
        description="dataset-directory input: splits not read (keep the classifier's test set unseen)")
    on_error: Literal["fail", "skip"] = Field("fail", description="bad raw input records: stop or skip")
    text_field: str = Field("text", description="column holding the article text in raw inputs")
    id_field: str = Field("id", description="column holding the record id in raw inputs")


class PretrainModelConfig(_Section):
    """The ``model:`` section: the encoder, the MLM objective and the optimisation."""

    name: str | None = Field("dbmdz/bert-base-turkish-cased",
                             description="Hub model id or local directory of the encoder to continue")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit) of `name`")
    scratch: ScratchConfig | None = Field(
        None, description="train a small BERT from nothing (WordPiece vocabulary from the texts) instead of `name`")
    max_length: int = Field(512, ge=16, le=8192, description="tokens per block, [CLS] and [SEP] included")
    mlm_probability: float = Field(0.15, gt=0, lt=1, description="share of tokens masked for prediction")
    whole_word_mask: bool = Field(False, description="mask every piece of a word together (fast tokenizers)")
    learning_rate: float = Field(5e-5, gt=0, description="peak AdamW learning rate")
    epochs: float = Field(3.0, gt=0, description="passes over the training blocks")
    max_steps: int | None = Field(None, ge=1, description="stop after this many optimizer updates (null: epochs)")
    batch_size: int = Field(16, ge=1, description="blocks per device per training step")
    eval_batch_size: int = Field(32, ge=1, description="blocks per batch when measuring perplexity")
    warmup_ratio: float = Field(0.06, ge=0, lt=1, description="share of steps with linear learning-rate warm-up")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay")
    gradient_accumulation_steps: int = Field(1, ge=1, description="steps whose gradients add up per update")
    max_grad_norm: float = Field(1.0, gt=0, description="gradient clipping norm")
    precision: Literal["auto", "fp32", "fp16", "bf16"] = Field(
        "auto", description="mixed precision on a GPU (auto: bf16 if supported, else fp16); always fp32 on CPU")

    @model_validator(mode="after")
    def _one_source(self) -> PretrainModelConfig:
        if self.scratch is not None:
            if self.name is not None and "name" in self.model_fields_set:
                raise ValueError("set either model.name (an encoder to continue) or model.scratch, not both "
                                 "(override one away with --model.scratch null or --model.name null)")
            self.name = None
        elif not self.name:
            raise ValueError("model.name is required (a Hub model id or a local directory) unless model.scratch "
                             "is set")
        return self


class PretrainConfig(_Section):
    """A whole pretraining config (``configs/pretrain.yaml`` is the reference)."""

    seed: int = Field(0, description="seed for the held-out split, masking, initialisation and shuffling")
    data: PretrainDataConfig = Field(default_factory=PretrainDataConfig)
    model: PretrainModelConfig = Field(default_factory=PretrainModelConfig)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def default_config_path(name: str = "pretrain.yaml") -> Path:
    """The packaged copy of a pretraining config (``classify/resources/<name>``, a link into ``configs/``)."""
    return Path(str(resources.files("classify") / "resources" / name))


def _resolve_config(path: str | Path | None) -> Path:
    if path is None:
        return default_config_path()
    p = Path(path)
    if p.is_file() or "/" in str(path):
        return p
    for candidate in (str(path), f"{path}.yaml"):  # a packaged name: pretrain-tiny or pretrain-tiny.yaml
        if candidate.startswith("pretrain") and default_config_path(candidate).is_file():
            return default_config_path(candidate)
    return p  # read_yaml_mapping reports it missing


def load_pretrain_config(path: str | Path | None = None,
                         overrides: Mapping[str, Any] | Iterable[str] = ()) -> PretrainConfig:
    """Read a YAML config (default: the packaged ``pretrain.yaml``), apply dotted overrides, validate.

    Overrides are a ``{"model.epochs": 2}`` mapping or CLI strings (``["--model.epochs", "2"]``), applied to
    the raw YAML, so they are checked like the file; ``--model.scratch null`` removes a section.
    """
    from classify.config import ConfigError, apply_overrides, parse_overrides

    p = _resolve_config(path)
    raw = read_yaml_mapping(p, PretrainConfigError)
    try:
        if not isinstance(overrides, Mapping):
            overrides = parse_overrides(list(overrides))
        apply_overrides(raw, overrides)
    except ConfigError as e:
        raise PretrainConfigError(f"{p}: {e}") from None
    try:
        return PretrainConfig.model_validate(raw)
    except ValidationError as e:
        raise PretrainConfigError(f"{p}: invalid config:\n  " + "\n  ".join(validation_messages(e))) from None


# --------------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------------


@dataclass
class _Corpus:
    """The texts to learn from, with what happened to every record read."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    read: int = 0
    empty: int = 0
    duplicates: int = 0
    excluded_splits: dict[str, int] = field(default_factory=dict)
    skipped: list[Any] = field(default_factory=list)  #: classify.io.Skipped entries
    kind: str = "raw"  #: "raw" (read_records) or "dataset" (a build-dataset directory)

    def fingerprint(self) -> str:
        """SHA-256 over (id, text) of the records used, in order: same input, same fingerprint."""
        h = hashlib.sha256()
        for rid, text in zip(self.ids, self.texts):
            h.update(rid.encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
            h.update(text.encode("utf-8", "surrogatepass"))
            h.update(b"\x1e")
        return "sha256:" + h.hexdigest()


def _is_dataset_dir(path: Path) -> bool:
    return path.is_dir() and (path / "dataset_dict.json").is_file()


def _read_corpus(inputs: Sequence[str | Path], config: PretrainConfig, report: Any,
                 progress: bool | None) -> _Corpus:
    from classify.training import raw_text, row_text

    d = config.data
    corpus = _Corpus()
    seen: set[str] = set()

    def add(rid: str, text: str) -> None:
        corpus.read += 1
        if not text.strip():
            corpus.empty += 1
            return
        if d.dedupe:
            key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
            if key in seen:
                corpus.duplicates += 1
                return
            seen.add(key)
        corpus.ids.append(rid)
        corpus.texts.append(text)

    datasets_given = [p for p in inputs if str(p) != "-" and _is_dataset_dir(Path(p))]
    if datasets_given:
        if len(inputs) > 1:
            raise PretrainError(f"{datasets_given[0]}: a dataset directory must be the only input "
                                "(or give raw files and folders only)")
        from classify.dataset import load_dataset_dir

        corpus.kind = "dataset"
        dataset = load_dataset_dir(datasets_given[0])
        with progress_bar("reading dataset", total=sum(len(dataset[s]) for s in dataset),
                          enabled=progress) as advance:
            for split in dataset:
                if split in d.exclude_splits:
                    corpus.excluded_splits[split] = len(dataset[split])
                    advance(len(dataset[split]))
                    continue
                for row in dataset[split]:
                    add(str(row.get("id")), row_text(row, d.view))
                    advance()
        return corpus

    from classify.io import read_records

    rules = None
    if d.view == "body":
        from classify.articles import ChromeRules

        rules = ChromeRules.load(None)
    records = read_records([str(p) for p in inputs], text_field=d.text_field, id_field=d.id_field,
                           on_error=d.on_error, report=report)
    with progress_bar("reading articles", enabled=progress) as advance:
        for rec in records:
            add(rec.id, raw_text(rec.text, view=d.view, title=rec.title, url=rec.url, rules=rules))
            advance()
    corpus.skipped = list(report.skipped)
    return corpus


def _id_hash(rid: str, seed: int) -> float:
    digest = hashlib.blake2b(f"{seed}\x1f{rid}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def heldout_ids(ids: Sequence[str], fraction: float, seed: int) -> set[str]:
    """The ids held out for evaluation: those whose seeded hash falls below ``fraction``.

    Membership depends only on the id and the seed, so it is stable across runs and as a corpus grows.
    If that holds out nothing while ``fraction > 0`` and there are at least two ids, the id with the
    smallest hash is held out, so that a perplexity can always be measured.
    """
    if fraction <= 0 or len(ids) < 2:
        return set()
    hashes = {rid: _id_hash(rid, seed) for rid in ids}
    out = {rid for rid, h in hashes.items() if h < fraction}
    if not out:
        out = {min(hashes, key=lambda r: (hashes[r], r))}
    if len(out) == len(set(ids)):  # never hold out everything
        out.discard(max(out, key=lambda r: (hashes[r], r)))
    return out


# --------------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------------


@dataclass
class Blocks:
    """Fixed-length MLM blocks: ``(n, max_length)`` arrays (offsets ``(n, max_length, 2)`` for whole-word masks)."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    special_tokens_mask: np.ndarray
    offsets: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    @property
    def tokens(self) -> int:
        """Non-padding tokens, special tokens included."""
        return int(self.attention_mask.sum())

    def subset(self, index: Sequence[int] | np.ndarray) -> Blocks:
        idx = np.asarray(index, dtype=np.int64)
        return Blocks(self.input_ids[idx], self.attention_mask[idx], self.special_tokens_mask[idx],
                      None if self.offsets is None else self.offsets[idx])


def _template(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The special tokens a tokenizer puts before and after a text (``[CLS]`` / ``[SEP]`` for BERT)."""
    probe = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    at = next((i for i in range(len(full) - len(probe) + 1) if full[i:i + len(probe)] == probe), None)
    if at is None:
        raise PretrainError("cannot locate the text inside the tokenizer's special-token template")
    return list(full[:at]), list(full[at + len(probe):])


def pack_blocks(tokenizer: Any, texts: Iterable[str], max_length: int, *, offsets: bool = False,
                batch: int = 256) -> Blocks:
    """Tokenize ``texts``, join them with the separator and cut the stream into ``[CLS] ... [SEP]`` blocks.

    Every block is ``max_length`` tokens long; only the last one is padded (attention mask 0, special-token
    mask 1 on padding). With ``offsets`` each token's character span in its own text is kept (special
    tokens and padding get ``(0, 0)``), which whole-word masking needs.
    """
    prefix, suffix = _template(tokenizer)
    sep = suffix or prefix  # what separates two texts in the stream
    size = max_length - len(prefix) - len(suffix)
    if size < 8:
        raise PretrainError(f"model.max_length {max_length} leaves no room for text")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids_parts: list[np.ndarray] = []
    special_parts: list[np.ndarray] = []
    offset_parts: list[np.ndarray] = []
    pending: list[str] = []

    def flush() -> None:
        enc = tokenizer(pending, add_special_tokens=False, truncation=False, verbose=False,
                        return_offsets_mapping=offsets)
        for j, ids in enumerate(enc["input_ids"]):
            if not ids:
                continue
            if ids_parts:  # a separator between consecutive texts
                ids_parts.append(np.asarray(sep, dtype=np.int32))
                special_parts.append(np.ones(len(sep), dtype=np.int8))
                if offsets:
                    offset_parts.append(np.zeros((len(sep), 2), dtype=np.int32))
            ids_parts.append(np.asarray(ids, dtype=np.int32))
            special_parts.append(np.zeros(len(ids), dtype=np.int8))
            if offsets:
                offset_parts.append(np.asarray(enc["offset_mapping"][j], dtype=np.int32).reshape(-1, 2))
        pending.clear()

    for text in texts:
        pending.append(text)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    stream = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int32)
    special = np.concatenate(special_parts) if special_parts else np.zeros(0, dtype=np.int8)
    spans = (np.concatenate(offset_parts) if offset_parts else np.zeros((0, 2), dtype=np.int32)) if offsets else None
    n = math.ceil(len(stream) / size)
    ids = np.full((n, max_length), pad_id, dtype=np.int32)
    mask = np.zeros((n, max_length), dtype=np.int8)
    smask = np.ones((n, max_length), dtype=np.int8)
    offs = np.zeros((n, max_length, 2), dtype=np.int32) if offsets else None
    p = len(prefix)
    for b in range(n):
        lo, hi = b * size, min((b + 1) * size, len(stream))
        k = hi - lo
        ids[b, :p] = prefix
        ids[b, p:p + k] = stream[lo:hi]
        ids[b, p + k:p + k + len(suffix)] = suffix
        end = p + k + len(suffix)
        mask[b, :end] = 1
        smask[b, p:p + k] = special[lo:hi]
        if offs is not None and spans is not None:
            offs[b, p:p + k] = spans[lo:hi]
    return Blocks(ids, mask, smask, offs)


class _BlockDataset:
    """Map-style dataset over :class:`Blocks` in the form ``DataCollatorForLanguageModeling`` takes."""

    def __init__(self, blocks: Blocks) -> None:
        self.blocks = blocks

    def __len__(self) -> int:
        return len(self.blocks)

    def __getitem__(self, i: int) -> dict[str, Any]:
        b = self.blocks
        item = {"input_ids": b.input_ids[i].tolist(), "attention_mask": b.attention_mask[i].tolist(),
                "special_tokens_mask": b.special_tokens_mask[i].tolist()}
        if b.offsets is not None:
            item["offset_mapping"] = b.offsets[i].tolist()
        return item


def _mlm_collator(tokenizer: Any, config: PretrainModelConfig, seed: int):  # type: ignore[no-untyped-def]
    from transformers import DataCollatorForLanguageModeling

    kwargs: dict[str, Any] = {}
    if config.whole_word_mask:  # transformers' whole-word masking always uses [MASK]; say so, don't warn
        kwargs = {"mask_replace_prob": 1.0, "random_replace_prob": 0.0}
    return DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=config.mlm_probability,
                                           whole_word_mask=config.whole_word_mask, seed=seed, **kwargs)


# --------------------------------------------------------------------------------------------------
# Perplexity
# --------------------------------------------------------------------------------------------------


def fixed_masks(blocks: Blocks, tokenizer: Any, config: PretrainModelConfig, seed: int) -> list[dict[str, Any]]:
    """Masked batches of ``blocks`` drawn once (seeded), so that every evaluation scores the same problems."""
    if not len(blocks):
        return []
    collate = _mlm_collator(tokenizer, config, seed)
    data = _BlockDataset(blocks)
    out = []
    for lo in range(0, len(data), config.eval_batch_size):
        batch = collate([data[i] for i in range(lo, min(lo + config.eval_batch_size, len(data)))])
        out.append({k: v for k, v in batch.items() if k in ("input_ids", "attention_mask", "labels")})
    return out


def masked_lm_loss(model: Any, batches: Sequence[dict[str, Any]], precision: str = "auto") -> tuple[float, int]:
    """Mean cross-entropy over the masked tokens of ``batches`` and how many there were (``nan`` if none)."""
    import torch

    from classify.models.transformer import _autocast_dtype

    if not batches:
        return float("nan"), 0
    device = next(model.parameters()).device
    dtype = _autocast_dtype(precision) if device.type == "cuda" else None
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with torch.inference_mode():
            for batch in batches:
                inputs = {k: v.to(device) for k, v in batch.items()}
                n = int((inputs["labels"] != -100).sum())
                if not n:
                    continue
                if dtype is not None:
                    with torch.autocast("cuda", dtype=dtype):
                        loss = model(**inputs).loss
                else:
                    loss = model(**inputs).loss
                total += float(loss) * n
                count += n
    finally:
        model.train(was_training)
    return (total / count if count else float("nan")), count


def _perplexity(loss: float) -> float | None:
    if not math.isfinite(loss):
        return None
    return float(math.exp(min(loss, 700.0)))


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


@dataclass
class PretrainResult:
    """What :func:`pretrain` did (``info`` is what ``pretrain.json`` holds)."""

    output: Path
    info: dict[str, Any]

    @property
    def perplexity(self) -> dict[str, dict[str, float | None]]:
        return self.info["perplexity"]

    def summary(self) -> str:
        i = self.info
        r = i["records"]
        b = i["blocks"]
        ppl = i["perplexity"]["heldout"]
        used = r["train"] + r["heldout"]
        dropped = [f"skipped {r['skipped']}"]
        if r["empty"]:
            dropped.append(f"{r['empty']} empty")
        if r["duplicates"]:
            dropped.append(f"{r['duplicates']} duplicates")
        tps = i["tokens_seen"] / i["train_seconds"] if i["train_seconds"] else float("nan")
        return (f"Pretrained {i['source']} on {used} of {r['read']} records ({'; '.join(dropped)}): "
                f"{b['train']} training + {b['heldout']} held-out blocks of {b['length']} tokens; held-out "
                f"perplexity {_fmt(ppl['before'])} -> {_fmt(ppl['after'])}; {i['tokens_seen']:,} tokens in "
                f"{i['train_seconds']:.1f} s ({tps:,.0f}/s) -> {self.output}")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _mlm_trainer_class():  # type: ignore[no-untyped-def]
    """``Trainer`` that divides the loss by the gradient-accumulation steps.

    ``BertForMaskedLM.forward`` takes ``**kwargs``, so ``Trainer`` assumes its loss is already normalised by
    the accumulated batch's token count (``num_items_in_batch``) and does not divide; but that loss is a
    plain per-batch mean, so gradients and the logged loss would be multiplied by the accumulation steps.
    """
    from transformers import Trainer

    class MLMTrainer(Trainer):
        loss_is_scaled_for_ga = False  # transformers >= 5.x: the loss is a per-batch mean

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.model_accepts_loss_kwargs = False  # older versions decide from this alone

    return MLMTrainer


def _load_encoder(config: PretrainConfig):  # type: ignore[no-untyped-def]
    from transformers import AutoModelForMaskedLM

    from classify.models.transformer import load_pretrained

    c = config.model
    assert c.name is not None
    model, tokenizer = load_pretrained(c.name, revision=c.revision, model_class=AutoModelForMaskedLM)
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit is not None and c.max_length > limit:
        raise PretrainError(f"model.max_length {c.max_length} exceeds what {c.name!r} can read ({limit} tokens)")
    if tokenizer.mask_token is None:
        raise PretrainError(f"model.name {c.name!r}: its tokenizer has no mask token, so it cannot do masked-"
                            "language-model training")
    return model, tokenizer


def _scratch_encoder(texts: Sequence[str], config: PretrainConfig):  # type: ignore[no-untyped-def]
    from transformers import BertForMaskedLM, set_seed

    from classify.models.scratch import scratch_bert_config, train_wordpiece_tokenizer

    c = config.model
    assert c.scratch is not None
    tokenizer = train_wordpiece_tokenizer(texts, vocab_size=c.scratch.vocab_size,
                                          min_frequency=c.scratch.min_frequency, model_max_length=c.max_length)
    set_seed(config.seed)
    model = BertForMaskedLM(scratch_bert_config(tokenizer, c.scratch, max_length=c.max_length))
    return model, tokenizer


def _even_sample(n: int, k: int) -> np.ndarray:
    if n <= k:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def _history(log_history: list[dict[str, Any]], evals: dict[float, dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[float, dict[str, Any]] = {}
    for entry in log_history:
        epoch = entry.get("epoch")
        if epoch is None or "loss" not in entry:
            continue
        row = rows.setdefault(round(float(epoch), 3), {"epoch": round(float(epoch), 3)})
        row["loss"] = float(entry["loss"])
        if "learning_rate" in entry:
            row["learning_rate"] = float(entry["learning_rate"])
    for epoch, values in evals.items():
        rows.setdefault(epoch, {"epoch": epoch}).update(values)
    return [rows[k] for k in sorted(rows)]


def pretrain(
    inputs: str | Path | Sequence[str | Path],
    output: str | Path,
    *,
    config: PretrainConfig | str | Path | None = None,
    overrides: Mapping[str, Any] | Iterable[str] = (),
    report: Any = None,
    progress: bool | None = None,
) -> PretrainResult:
    """Continue MLM training of ``config.model`` on the texts of ``inputs``; save the encoder to ``output``.

    ``inputs`` are raw files/folders/``-`` (read with :func:`classify.io.read_records`, ``data.on_error``
    deciding what a bad record does; ``report`` collects skipped ones) or one ``classify build-dataset``
    directory. ``config`` is a :class:`PretrainConfig` or a YAML path (default: the packaged
    ``pretrain.yaml``), ``overrides`` dotted keys applied to it. The output directory (replaced
    atomically) loads with ``AutoModelForMaskedLM.from_pretrained`` and works as ``--model.name`` for
    ``classify train``.
    """
    import torch
    from transformers import TrainerCallback, set_seed

    from classify.io import ErrorReport
    from classify.models.base import atomic_directory, package_versions
    from classify.models.transformer import (
        _autocast_dtype,
        _progress_callback,
        _quiet_transformers,
        training_arguments,
    )

    started = time.perf_counter()
    if not isinstance(config, PretrainConfig):
        config = load_pretrain_config(config, overrides)
    elif overrides:
        raise ValueError("pass overrides with a config path, not with a PretrainConfig object")
    c = config.model
    inputs = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    if not inputs:
        raise PretrainError("no input given: name files, folders, '-' or a dataset directory")
    report = report if report is not None else ErrorReport()

    # A named encoder is loaded first: a missing model fails at once, before a large corpus is read.
    model = tokenizer = None
    if c.scratch is None:
        model, tokenizer = _load_encoder(config)
    corpus = _read_corpus(inputs, config, report, progress)
    if not corpus.texts:
        raise PretrainError(f"no text to pretrain on: {corpus.read} records read ({corpus.empty} empty, "
                            f"{corpus.duplicates} duplicates), {len(corpus.skipped)} skipped")
    held = heldout_ids(corpus.ids, config.data.heldout, config.seed)
    train_texts = [t for rid, t in zip(corpus.ids, corpus.texts) if rid not in held]
    eval_texts = [t for rid, t in zip(corpus.ids, corpus.texts) if rid in held]
    if model is None:
        model, tokenizer = _scratch_encoder(train_texts, config)
    if c.whole_word_mask and not getattr(tokenizer, "is_fast", False):
        raise PretrainError("model.whole_word_mask needs a fast tokenizer (character offsets); this model's "
                            "tokenizer is not one")

    train_blocks = pack_blocks(tokenizer, train_texts, c.max_length, offsets=c.whole_word_mask)
    eval_blocks = pack_blocks(tokenizer, eval_texts, c.max_length, offsets=c.whole_word_mask)
    if not len(train_blocks):
        raise PretrainError("the training texts gave no tokens")
    train_sample = train_blocks.subset(_even_sample(len(train_blocks), TRAIN_PERPLEXITY_BLOCKS))
    eval_masked = fixed_masks(eval_blocks, tokenizer, c, config.seed + 1)
    train_masked = fixed_masks(train_sample, tokenizer, c, config.seed + 2)

    cuda = torch.cuda.is_available()
    dtype = _autocast_dtype(c.precision) if cuda else None
    if not cuda and c.precision in ("fp16", "bf16"):
        log.warning("model.precision=%s needs a GPU; training in fp32 on the CPU", c.precision)
    if cuda:
        model = model.to("cuda")

    def measure() -> dict[str, float | None]:
        return {"heldout": _perplexity(masked_lm_loss(model, eval_masked, c.precision)[0]),
                "train": _perplexity(masked_lm_loss(model, train_masked, c.precision)[0])}

    before = measure()
    evals: dict[float, dict[str, Any]] = {}

    class EpochPerplexity(TrainerCallback):  # type: ignore[misc]
        def on_epoch_end(self, args, state, control, model=None, **kwargs):  # type: ignore[no-untyped-def]
            if eval_masked and model is not None:
                loss = masked_lm_loss(model, eval_masked, c.precision)[0]
                evals[round(float(state.epoch or 0), 3)] = {"heldout_perplexity": _perplexity(loss)}

    steps_per_epoch = math.ceil(len(train_blocks) / (c.batch_size * c.gradient_accumulation_steps))
    total_steps = c.max_steps or max(1, math.ceil(steps_per_epoch * c.epochs))
    set_seed(config.seed)
    train_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="classify-pretrain-") as out:
        args = training_arguments(
            out, c, seed=config.seed, dtype=dtype,
            max_steps=c.max_steps or -1,
            eval_strategy="no",
            save_strategy="no",
            include_num_input_tokens_seen="non_padding",
        )
        timer = _progress_callback(total_steps, "pretraining", progress)
        with _quiet_transformers():
            trainer = _mlm_trainer_class()(
                model=model, args=args, data_collator=_mlm_collator(tokenizer, c, config.seed),
                train_dataset=_BlockDataset(train_blocks), callbacks=[timer, EpochPerplexity()])
            from transformers.trainer_callback import PrinterCallback

            trainer.remove_callback(PrinterCallback)
            trainer.train()
    train_seconds = time.perf_counter() - train_started
    model = trainer.model.eval()
    after = measure()
    history = _history(trainer.state.log_history, evals)
    for row, seconds in zip(history, timer.epoch_seconds):
        row["train_seconds"] = seconds
    tokens_seen = int(trainer.state.num_input_tokens_seen or 0)

    info: dict[str, Any] = {
        "source": "scratch" if c.scratch is not None else c.name,
        "revision": c.revision,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config.to_dict(),
        "versions": package_versions("torch", "transformers", "tokenizers", "safetensors"),
        "inputs": [str(p) for p in inputs],
        "input_kind": corpus.kind,
        "input_fingerprint": corpus.fingerprint(),
        "records": {"read": corpus.read, "train": len(train_texts), "heldout": len(eval_texts),
                    "empty": corpus.empty, "duplicates": corpus.duplicates, "skipped": len(corpus.skipped),
                    "excluded_splits": corpus.excluded_splits},
        "skipped": [str(s) for s in corpus.skipped],
        "blocks": {"length": c.max_length, "train": len(train_blocks), "heldout": len(eval_blocks),
                   "train_tokens": train_blocks.tokens, "heldout_tokens": eval_blocks.tokens},
        "perplexity": {"heldout": {"before": before["heldout"], "after": after["heldout"]},
                       "train": {"before": before["train"], "after": after["train"]}},
        "tokens_seen": tokens_seen,
        "steps": int(trainer.state.global_step),
        "epochs_run": round(float(trainer.state.epoch or 0), 3),
        "train_seconds": round(train_seconds, 3),
        "tokens_per_second": round(tokens_seen / train_seconds, 1) if train_seconds > 0 else None,
        "history": history,
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "precision": "fp32" if dtype is None else str(dtype).removeprefix("torch."),
    }
    from classify.io import write_json_atomic

    with atomic_directory(output) as tmp, _quiet_transformers():
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        info["seconds"] = round(time.perf_counter() - started, 3)
        write_json_atomic(tmp / PRETRAIN_INFO_FILE, info)
    return PretrainResult(output=Path(output), info=info)
