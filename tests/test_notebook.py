"""The tutorial notebook: the committed docs/tutorial.ipynb is its source docs/tutorial.py with that source's
outputs and nothing of the machine that made them, and the source runs top to bottom on the real data (its cells
assert the two frameworks' agreement, so a parity figure outside its tolerance fails the run)."""

import json
import sys
from pathlib import Path

import pytest

from shared.lab.cli import main
from shared.lab.notebook import NOTEBOOK, SOURCE, execute, machine_traces
from tests.helpers import needs

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]


def committed():
    return nbformat.read(ROOT / NOTEBOOK, as_version=4)


def cells(notebook):
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def test_the_committed_notebook_is_its_source():
    source = jupytext.read(ROOT / SOURCE)
    assert cells(committed()) == cells(source), "docs/tutorial.ipynb and docs/tutorial.py differ: `make notebook-outputs`"
    assert committed().metadata.jupytext.formats == "ipynb,py:percent"


def test_the_committed_notebook_holds_every_output_of_one_run_and_no_error():
    code = [cell for cell in committed().cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    outputs = [output for cell in code for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert not [output for output in outputs if output.get("name") == "stderr"], "a warning was left in the outputs"
    assert any("image/png" in output.get("data", {}) for output in outputs), "the loss curves' plot is missing"
    text = "".join(output.get("text", "") for output in outputs)
    for printed in ("largest difference of the 150 × 3 logits", "gradients differ by", "test accuracy after fit"):
        assert printed in text


def test_the_committed_outputs_hold_no_path_and_no_time():
    assert machine_traces(committed()) == []
    assert not [cell for cell in committed().cells if "execution" in cell.metadata]  # nbclient's timestamps


def test_a_path_or_a_time_in_an_output_is_found():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text=text)]) for text in (
        "loaded /home/someone/scikit_learn_data/20news", "trained in 12.3 s", "110/110 [00:04, 27.1it/s]",
        "the loss 0.0123 at step 22")])
    assert [trace.split(":")[0] for trace in machine_traces(notebook)] == ["cell 1", "cell 2", "cell 3"]


def write_source(path, lines):
    path.write_text("# %%\n" + "\n\n# %%\n".join(lines) + "\n")
    return path


@pytest.mark.slow
def test_a_failing_cell_is_one_line_and_leaves_the_notebook_as_it_was(tmp_path, capsys):
    source = write_source(tmp_path / "broken.py", ["difference = 1e-3", "assert difference <= 1e-5, 'logits differ'"])
    out = source.with_suffix(".ipynb")
    out.write_text("earlier")
    assert main(["notebook", "--source", str(source)]) == 1
    assert capsys.readouterr().err == f"newsgroups-mlp: error: {source}: cell 2 failed: AssertionError: logits differ\n"
    assert out.read_text() == "earlier" and sorted(p.name for p in tmp_path.iterdir()) == ["broken.ipynb", "broken.py"]


@pytest.mark.slow
def test_the_command_writes_the_run_notebook(tmp_path, capsys):
    source = write_source(tmp_path / "small.py", ["import sys", "print(sys.version_info[0] + 1)"])
    assert main(["notebook", "--source", str(source), "--out", str(tmp_path / "run.ipynb")]) == 0
    written = json.loads((tmp_path / "run.ipynb").read_text())
    assert written["cells"][1]["outputs"][0]["text"] == [f"{sys.version_info[0] + 1}\n"]
    assert capsys.readouterr().out == f"notebook -> {tmp_path / 'run.ipynb'} (2 cells run)\n"


@pytest.mark.slow
def test_an_output_with_a_path_is_refused(tmp_path, capsys):
    source = write_source(tmp_path / "leaky.py", ["import os", "print(os.getcwd())"])
    assert main(["notebook", "--source", str(source)]) == 1
    assert "an absolute path" in capsys.readouterr().err and not source.with_suffix(".ipynb").exists()


@pytest.mark.real_data
@needs("torch", "tf")
def test_the_notebook_runs_top_to_bottom_on_the_real_data(real_corpus):
    notebook = execute(ROOT / SOURCE)  # a cell's error, a failed parity assertion among them, raises here
    assert cells(notebook) == cells(committed())
    assert machine_traces(notebook) == []
