"""One JSON record per training run: everything needed to cite it, and to re-run it."""

import datetime
import json
import os
import platform
import subprocess
from dataclasses import MISSING, asdict, dataclass, field, fields
from importlib.metadata import version
from pathlib import Path

import numpy as np

from shared.errors import UserError
from shared.lab.files import write_atomically


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


def save_record(record, path):
    write_atomically(path, json.dumps(record.as_dict(), indent=1) + "\n")


def record_from(data, path="a record"):
    """A RunRecord from a record's JSON dict (fields a newer record has and this code does not know are left out);
    a dict that is not a whole record is one line naming `path`."""
    required = [f.name for f in fields(RunRecord) if f.default is MISSING and f.default_factory is MISSING]
    missing = [name for name in required if name not in data] if isinstance(data, dict) else ["its fields"]
    if missing:
        raise UserError(f"{path} is not a whole run record: it lacks {', '.join(missing[:3])}"
                        + (f" and {len(missing) - 3} more" if len(missing) > 3 else ""))
    return RunRecord(**{k: v for k, v in data.items() if k in RunRecord.__dataclass_fields__})


def load_record(path):
    """The RunRecord in the file `path`; a damaged or foreign file is one line naming it."""
    try:
        data = json.loads(Path(path).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UserError(f"{path} is not a run record: not whole JSON (cut short?)") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    return record_from(data, path)
