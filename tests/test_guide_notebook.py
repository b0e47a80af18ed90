"""The guide's examples run unchanged as the cells of one Jupyter notebook, in order, in
one kernel, and its plots show up under their cells (issue 16)."""

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide.md"


def test_the_guide_runs_as_a_notebook(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in blocks])
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    outputs = [output for cell in notebook.cells for output in cell.outputs]
    errors = [output for output in outputs if output.output_type == "error"]
    assert not errors, errors
    figures = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(figures) >= 5, "the plotting example shows its figures in the notebook"
    assert not any("TqdmWarning" in output.get("text", "") for output in outputs)
