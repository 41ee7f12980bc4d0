"""A small BERT built locally from scratch: a WordPiece tokenizer trained on the training texts + a BertConfig.

Why: the real default (BERTurk) needs the Hugging Face Hub or a pre-downloaded copy, and a GPU to train in
reasonable time. A tiny BERT needs neither, so tests, demos and CI run the *whole* transformer path —
tokenizer, Trainer, chunking, save/load with plain ``transformers`` APIs, ONNX export — offline on a CPU in
seconds. It is not meant to be accurate: it never saw pre-training text.

The tokenizer mirrors BERTurk's: cased (no lower-casing, so ``İ``/``I`` problems cannot arise), accents kept
(``ç ğ ı ö ş ü`` are letters, not decorations), BERT pre-tokenisation, ``##`` continuation pieces. The
result is a regular ``BertTokenizer`` that ``AutoTokenizer.from_pretrained`` reloads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["SPECIAL_TOKENS", "ScratchConfig", "build_scratch_model", "scratch_bert_config",
           "train_wordpiece_tokenizer"]

#: BERT's special tokens, in the id order BERTurk uses ([PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4).
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


class ScratchConfig(BaseModel):
    """The ``model.scratch:`` section: shape of a BERT trained from nothing (one line per field)."""

    model_config = ConfigDict(extra="forbid")

    vocab_size: int = Field(3000, ge=100, le=200_000, description="WordPiece vocabulary size (upper bound)")
    min_frequency: int = Field(2, ge=1, description="minimum count of a piece in the training texts")
    hidden_size: int = Field(32, ge=8, description="width of the encoder")
    num_layers: int = Field(2, ge=1, description="transformer layers")
    num_heads: int = Field(2, ge=1, description="attention heads (must divide hidden_size)")
    intermediate_size: int = Field(64, ge=8, description="width of the feed-forward block")
    dropout: float = Field(0.1, ge=0, lt=1, description="hidden and attention dropout")

    @model_validator(mode="after")
    def _heads_divide_width(self) -> ScratchConfig:
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size ({self.hidden_size}) must be a multiple of num_heads ({self.num_heads})")
        return self


def train_wordpiece_tokenizer(texts: Iterable[str], *, vocab_size: int = 3000, min_frequency: int = 2,
                              model_max_length: int = 512):  # type: ignore[no-untyped-def]
    """Train a cased WordPiece tokenizer on ``texts``; return a ``transformers`` BERT tokenizer.

    Every character seen in the texts is in the alphabet, so a Turkish letter is never ``[UNK]``.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                strip_accents=False, lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                        special_tokens=SPECIAL_TOKENS, continuing_subword_prefix="##",
                                        show_progress=False)  # its bars print blank lines to stdout
    tok.train_from_iterator(texts, trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    return BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]", do_lower_case=False,
                             model_max_length=model_max_length)


def build_scratch_model(texts: Sequence[str], labels: Sequence[str], config: ScratchConfig, *,
                        max_length: int, seed: int):  # type: ignore[no-untyped-def]
    """Tokenizer trained on ``texts`` and a randomly initialised ``BertForSequenceClassification``.

    ``labels`` is the label list in column order (``id2label``). Returns ``(model, tokenizer)``.
    """
    from transformers import BertForSequenceClassification, set_seed

    tokenizer = train_wordpiece_tokenizer(texts, vocab_size=config.vocab_size,
                                          min_frequency=config.min_frequency, model_max_length=max_length)
    bert_config = scratch_bert_config(
        tokenizer, config, max_length=max_length,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    set_seed(seed)
    model = BertForSequenceClassification(bert_config)
    return model, tokenizer


def scratch_bert_config(tokenizer: Any, config: ScratchConfig, *, max_length: int, **extra: Any):  # type: ignore[no-untyped-def]
    """The ``BertConfig`` of a scratch model: ``config``'s shape, ``tokenizer``'s vocabulary, ``max_length``
    positions; ``extra`` adds head-specific fields (labels for a classifier)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        intermediate_size=config.intermediate_size,
        hidden_dropout_prob=config.dropout,
        attention_probs_dropout_prob=config.dropout,
        max_position_embeddings=max(max_length, 8),
        pad_token_id=tokenizer.pad_token_id,
        **extra,
    )
