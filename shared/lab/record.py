"""One JSON record per training run: everything needed to cite it, and to re-run it."""

import datetime
import json
import os
import platform
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

import numpy as np

from shared.errors import UserError


@dataclass
class RunRecord:
    framework: str
    recipe: str
    input: str  # the input form (hp.form, --input): the name the saved records have always used
    init: str
    seed: int
    epochs: int
    batch_size: int
    hidden: int
    lr: float
    adam_eps: float
    dropout: float
    step: str
    deterministic: bool
    categories: list
    remove: list
    evaluated_on: str  # "test", or the validation share of the training posts the accuracy is on
    vocab_size: int
    train_docs: int
    test_docs: int
    device: str
    threads: int
    versions: dict
    step_losses: list = field(repr=False)
    epoch_seconds: list
    train_seconds: float
    test_accuracy: float
    machine: dict = field(default_factory=dict)

    def as_dict(self):
        return asdict(self)


def library_versions(framework_versions):
    return {"python": platform.python_version(), "numpy": np.__version__, "scikit-learn": version("scikit-learn"),
            **framework_versions}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, timeout=5,
                              cwd=Path(__file__).parent).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit():
    return git("rev-parse", "--short", "HEAD")


def machine_info():
    """Where and when a run happened: what an author needs to cite it."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "os": platform.platform(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "commit": git_commit(),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def check_writable(folder):
    """Fail before training, not after, when results could not be written to `folder`."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise UserError(f"cannot write to {folder}: {error.strerror or error}") from None


def write_atomically(path, text):
    """Write all of `text` or nothing: a crash never leaves half a file at `path`."""
    path = Path(path)
    tmp = None
    try:
        with tempfile.NamedTemporaryFile("w", dir=path.parent or ".", prefix=f".{path.name}.", delete=False) as tmp:
            tmp.write(text)
        os.chmod(tmp.name, 0o644)  # a temporary file is private; the result is an ordinary file
        os.replace(tmp.name, path)
    except BaseException as error:  # Ctrl-C too: no temporary file is left behind
        if tmp is not None and os.path.exists(tmp.name):
            os.unlink(tmp.name)
        if isinstance(error, OSError):
            raise UserError(f"cannot write {path}: {error.strerror or error}") from None
        raise


def save_record(record, path):
    write_atomically(path, json.dumps(record.as_dict(), indent=1) + "\n")


def record_from(data):
    """A RunRecord from a record's JSON dict (fields a newer record has and this code does not know are left out)."""
    return RunRecord(**{k: v for k, v in data.items() if k in RunRecord.__dataclass_fields__})


def load_record(path):
    return record_from(json.loads(Path(path).read_text()))
