"""The transformer path on a CUDA GPU: mixed-precision training, GPU inference, one process in predict.

Skipped on machines without a GPU (CI has none); run on a GPU machine with
``pytest tests/test_gpu.py``. The exact-equality tests of tests/test_models_transformer.py pin themselves to
the CPU; these check what differs on a GPU.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

from classify.models import load_model  # noqa: E402
from classify.models.base import ModelInfo  # noqa: E402
from classify.models.transformer import TransformerClassifier  # noqa: E402

TINY = {
    "scratch": {"vocab_size": 2000, "min_frequency": 1, "hidden_size": 32, "num_layers": 2, "num_heads": 2,
                "intermediate_size": 64, "dropout": 0.0},
    "max_length": 128, "stride": 32, "learning_rate": 5e-3, "epochs": 2, "batch_size": 4, "warmup_ratio": 0.0,
    "precision": "auto",
}


def test_gpu_training_uses_mixed_precision_and_inference_matches_the_cpu(seed_texts, tmp_path: Path) -> None:
    from classify.predict import predict_files

    texts = list(seed_texts.values())
    labels = ["family_year", "child_services", "disability_care", "disability_care", "party_politics"]
    clf = TransformerClassifier.from_config(TINY, seed=3)
    clf.fit(texts, labels, eval_texts=texts, eval_labels=labels)
    assert next(clf.model.parameters()).device.type == "cuda"
    model_dir = clf.save(tmp_path / "model")
    training = ModelInfo.read(model_dir).extra["training"]
    assert training["precision"] in ("bfloat16", "float16")
    assert training["device"] == torch.cuda.get_device_name(0)
    assert len(training["history"]) == 2 and all(r["train_seconds"] > 0 for r in training["history"])

    gpu = load_model(model_dir)
    assert gpu.uses_accelerator
    p_gpu = gpu.predict_proba(texts)
    cpu = load_model(model_dir)
    cpu.model = cpu._torch_model().to("cpu")
    cpu.config = cpu.config.model_copy(update={"precision": "fp32"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.cuda, "is_available", lambda: False)
        p_cpu = cpu.predict_proba(texts)
    np.testing.assert_allclose(p_gpu, p_cpu, atol=5e-3)  # bf16 inference on the GPU vs fp32 on the CPU

    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n"
                              for i, t in enumerate(texts * 3)), encoding="utf-8")
    summary = predict_files(gpu, [inputs], tmp_path / "out.jsonl", batch_size=2, progress=False)
    assert summary.jobs == 1  # one process drives the GPU
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in out] == [str(i) for i in range(15)]
