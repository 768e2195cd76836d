"""The tutorial notebook, run: docs/tutorial.py (jupytext's percent format, the source a review reads as text)
executed top to bottom in a fresh kernel and written with its outputs to docs/tutorial.ipynb, the notebook a
learner opens. `newsgroups-mlp notebook` does it; tests/test_notebook.py holds the two files to each other and
the outputs to what may be committed.

Needs the test or notebook extra (jupytext, nbclient, ipykernel).
"""

import re
from pathlib import Path

from shared.errors import UserError
from shared.lab.files import write_atomically

SOURCE = Path("docs/tutorial.py")
NOTEBOOK = SOURCE.with_suffix(".ipynb")
TIMEOUT_S = 900  # for one cell; the longest trains for a minute on two cores
# What a committed output must not hold: a path of this machine, or a time of day or a duration, which differ
# from one run to the next and say nothing of the network.
MACHINE_TRACES = {
    "an absolute path": re.compile(r"(?<![\w.:/])/(?:home|root|tmp|work|usr|opt|var|Users|private)/|[A-Z]:\\\\|site-packages"),
    "a wall-clock time": re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|µs|us|s|sec|seconds?|min|minutes?)\b(?:/step)?|\bit/s\b"
                                    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b|\b20\d\d-\d\d-\d\d"),
}


def modules():
    try:
        import jupytext
        import nbclient
    except ImportError as error:
        raise UserError(f"the notebook needs the notebook extra ({error}): pip install -e '.[notebook]', "
                        f"or make notebook") from None
    return jupytext, nbclient


def execute(source=SOURCE):
    """The notebook of `source`, run top to bottom in a fresh kernel; UserError names the cell that failed."""
    jupytext, nbclient = modules()
    source = Path(source)
    if not source.is_file():
        raise UserError(f"no notebook source at {source}")
    notebook = jupytext.read(source)
    for number, cell in enumerate(notebook.cells, 1):
        cell.id = f"cell-{number}"  # jupytext draws them at random: a new run would change every one
    client = nbclient.NotebookClient(
        notebook, timeout=TIMEOUT_S, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(source.parent)}},
        # TensorFlow's C++ runtime writes its start-up lines to the process's stderr, each stamped with the time of
        # day, before its log level is read; the kernel would copy them into the outputs. Left on the terminal.
        # The kernel warns on every start that it talks over local TCP unencrypted: not the reader's concern.
        extra_arguments=["--IPKernelApp.capture_fd_output=False", "--IPKernelApp.log_level=ERROR"])
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        cell = next((i for i, c in enumerate(notebook.cells, 1) if c.cell_type == "code"
                     and any(o.get("output_type") == "error" for o in c.get("outputs", []))), "?")
        raise UserError(f"{source}: cell {cell} failed: {error.ename}: {error.evalue}") from None
    except nbclient.exceptions.CellTimeoutError:
        raise UserError(f"{source}: a cell ran past {TIMEOUT_S} s") from None
    return notebook


def write(notebook, out=NOTEBOOK):
    jupytext, _ = modules()
    write_atomically(out, jupytext.writes(notebook, fmt="ipynb"))


def text_outputs(notebook):
    """(cell number, text) of every text a code cell printed or returned."""
    for number, cell in enumerate(notebook.cells, 1):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            texts = [output.get("text", "")] + [output.get("data", {}).get(kind, "") for kind in ("text/plain", "text/html")]
            texts += [output.get("evalue", ""), "\n".join(output.get("traceback", []))]
            for text in texts:
                if text:
                    yield number, "".join(text) if isinstance(text, list) else text


def machine_traces(notebook):
    """'cell N: what (the text)' for each output that holds a path of this machine or a time."""
    return [f"cell {number}: {what} ({found.group(0)!r})" for number, text in text_outputs(notebook)
            for what, pattern in MACHINE_TRACES.items() for found in [pattern.search(text)] if found]
