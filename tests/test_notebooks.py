"""The notebooks in notebooks/ run top to bottom (nbclient, this interpreter as the kernel) and are
committed without outputs.

The kernel is this test's own Python (a kernelspec written to a temporary JUPYTER_PATH), so the test
needs nothing beyond ``pip install -e '.[dev]'``: no ``ipykernel install`` step, and no other Jupyter
kernel on the machine can be picked up by mistake. Each notebook writes into its own temporary folder
(``CLASSIFY_NOTEBOOK_DIR``).

Each notebook runs on the seed pages alone (what CI has; ``CLASSIFY_DEV_CORPUS=""``), and once more with
../shared/corpus/dev.jsonl when that file exists (marked ``slow``: deselect with ``-m "not slow"``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEV = ROOT.parent / "shared" / "corpus" / "dev.jsonl"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
KERNEL = "classify-test-python"

#: Text each notebook must print, proving its last steps ran (not just that no cell raised).
EXPECTED = {
    "01_build_dataset.ipynb": ["records in", "fired:", "label sources"],
    "02_train_compare.ipynb": ["best:", "README.md", "language: tr"],
    "03_briefs.ipynb": ["briefs in", "•"],
}


def test_the_three_notebooks_exist_and_are_committed_without_outputs() -> None:
    assert [p.name for p in ALL] == sorted(EXPECTED)
    for path in ALL:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.kernelspec.name == "python3"
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs"


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JUPYTER_PATH holding one kernelspec that starts ipykernel with this very interpreter."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "classify (test)",
        "language": "python",
    }), encoding="utf-8")
    return root


def _printed(nb) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif "data" in out:
                parts.append(str(out["data"].get("text/plain", "")))
                parts.append(str(out["data"].get("text/markdown", "")))
    return "\n".join(parts)


CORPORA = [
    pytest.param("seeds", id="seeds"),
    pytest.param("dev", id="dev", marks=[pytest.mark.slow, pytest.mark.skipif(
        not DEV.is_file(), reason=f"dev corpus not available at {DEV}")]),
]


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebook_runs_top_to_bottom(path: Path, corpus: str, kernel_path: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_path))
    monkeypatch.setenv("CLASSIFY_NOTEBOOK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("CLASSIFY_DEV_CORPUS", str(DEV) if corpus == "dev" else "")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("CLASSIFY_NO_PROGRESS", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the failing cell and traceback, on any error
    elapsed = time.perf_counter() - started
    printed = _printed(nb)
    for needle in EXPECTED[path.name]:
        assert needle in printed, f"{path.name}: expected {needle!r} in its output"
    assert not any(out.get("output_type") == "error" for cell in nb.cells for out in cell.get("outputs", []))
    print(f"{path.name} [{corpus}]: {elapsed:.1f} s")
    assert ("dev.jsonl" in printed) == (corpus == "dev")  # the inputs line names what was read
    # the notebook wrote only into its work folder, never into the repository
    assert (tmp_path / "work").is_dir()
