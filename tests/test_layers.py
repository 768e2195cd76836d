"""The lesson and the lab: the contracts in pyproject.toml hold (import-linter), every module is on one side of
them, they break when a forbidden import or a cycle is added, and importing the lesson loads no lab module."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import needs

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shared", "torch_impl", "tf_impl")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACT = next(c for c in CONFIG["contracts"] if c["id"] == "lesson")
LESSON, LAB = CONTRACT["source_modules"], CONTRACT["forbidden_modules"]


def modules_of(root):
    """Every module of the three packages under `root`, by its dotted name, the packages themselves included."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def is_lab(module):
    return any(module == lab or module.startswith(lab + ".") for lab in LAB)


def lint_imports(root):
    """`lint-imports` on the project at `root`, in a fresh interpreter that imports the packages from there."""
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})


def copy_of_project(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_import_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0 and "2 kept, 0 broken" in done.stdout, done.stdout + done.stderr


def test_every_module_is_the_lessons_or_the_labs():
    """A new file must be put on one side: the lesson's list in pyproject.toml, or under shared/lab/."""
    unplaced = [m for m in modules_of(ROOT) if m not in PACKAGES and m not in LESSON and not is_lab(m)]
    assert not unplaced, f"add these to the lesson's source_modules in pyproject.toml, or move them to the lab: {unplaced}"
    assert set(LESSON) <= set(modules_of(ROOT)), "the contract names a module that does not exist"


@pytest.mark.parametrize("file, line, broken", [
    ("torch_impl/model.py", "from shared.lab.record import RunRecord", "The lesson never imports the lab"),
    ("shared/batches.py", "import tf_impl.measure", "The lesson never imports the lab"),
    ("shared/lab/record.py", "from shared.lab.cli import main", "No import cycle"),
    ("shared/dataset.py", "from shared.config import FRAMEWORKS", "No import cycle"),
])
def test_a_forbidden_import_or_a_cycle_breaks_a_contract(tmp_path, file, line, broken):
    root = copy_of_project(tmp_path)
    (root / file).write_text((root / file).read_text() + f"\n\ndef added():\n    {line}\n")
    done = lint_imports(root)
    assert done.returncode == 1 and f"{broken}" in done.stdout.split("Broken contracts")[-1], done.stdout + done.stderr


@pytest.mark.parametrize("package", [pytest.param("torch_impl", marks=needs("torch")),
                                     pytest.param("tf_impl", marks=needs("tf"))])
def test_importing_the_lesson_loads_no_lab_module(package):
    code = (f"import sys, {package}.model, {package}.train\n"
            f"print(' '.join(sorted(m for m in sys.modules if m.partition('.')[0] in {PACKAGES!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split()
    assert f"{package}.model" in loaded and f"{package}.train" in loaded
    assert not [m for m in loaded if is_lab(m)], loaded
