"""Each implementation needs only its own framework; shared/ needs neither."""

import json
import subprocess
import sys

import pytest

from shared.lab.runner import MODULES
from tests.helpers import needs



# Python's import finders, behind one that finds nothing for the hidden packages: to every import,
# importlib.util.find_spec and importlib.metadata they look as if pip never installed them.
HIDE = """import sys
class Hide:
    def __init__(self, finders):
        self.finders = finders
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {hidden!r}:
            return None
        specs = (finder.find_spec(name, path, target) for finder in self.finders if hasattr(finder, "find_spec"))
        return next((spec for spec in specs if spec is not None), None)
    def find_distributions(self, *args, **kwargs):
        for finder in self.finders:
            for found in getattr(finder, "find_distributions", lambda *a, **k: [])(*args, **kwargs):
                if (found.metadata["Name"] or "").lower() not in {hidden!r}:
                    yield found
    def invalidate_caches(self):
        for finder in self.finders:
            getattr(finder, "invalidate_caches", lambda: None)()
sys.meta_path[:] = [Hide(list(sys.meta_path))]"""


def run_hiding(hidden, args, env, cwd):
    """newsgroups-mlp in a fresh interpreter where importing each module in `hidden` fails."""
    code = f"{HIDE.format(hidden=hidden)}\nfrom shared.lab.cli import main\nsys.exit(main({args!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd)


@pytest.mark.slow
@pytest.mark.parametrize("framework, other", [pytest.param("torch", "tf", marks=needs("torch")),
                                              pytest.param("tf", "torch", marks=needs("tf"))])
def test_trains_with_the_other_framework_hidden(tiny_env, tmp_path, framework, other):
    done = run_hiding([MODULES[other]], ["train", "--framework", framework, "--epochs", "2", "--batch-size", "16",
                                        "--device", "cpu", "--out", "run.json"], tiny_env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "run.json").read_text())["versions"].keys() >= {MODULES[framework]}
    # and the hidden one really is missing there: asking for it is a clear error
    done = run_hiding([MODULES[other]], ["train", "--framework", other, "--out", "other.json"], tiny_env, tmp_path)
    assert done.returncode == 1 and f"--framework {other} needs" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "other.json").exists()


def test_shared_imports_neither_framework(tmp_path):
    code = (HIDE.format(hidden=["torch", "tensorflow"]) + "\nimport pkgutil, importlib, shared\n"
            "for m in pkgutil.iter_modules(shared.__path__): importlib.import_module('shared.' + m.name)\n"
            "print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr


def test_the_cli_module_leaves_heavy_libraries_to_the_commands_that_use_them(tmp_path):
    """Each of compare's runs starts a process that imports shared.lab.cli (and unpickles its batches): scikit-learn,
    scipy.stats, matplotlib and pygments there would add over a second to each run."""
    code = ("import sys, pickle, shared.lab.cli, shared.batches\n"
            "print(sorted(m for m in ('sklearn', 'scipy.stats', 'matplotlib', 'pygments') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "[]\n", done.stdout + done.stderr


@needs("torch")
def test_torch_device_selection(monkeypatch):
    import torch

    from torch_impl.device import resolve_device
    from shared.errors import UserError
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(UserError, match="--device gpu: PyTorch sees no CUDA GPU"):
        resolve_device("gpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == resolve_device("gpu") == torch.device("cuda")
    assert resolve_device("cpu") == torch.device("cpu")


@needs("tf")
def test_tf_device_selection(monkeypatch):
    import tensorflow as tf

    from tf_impl.device import resolve_device
    from shared.errors import UserError
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    assert resolve_device("auto") == resolve_device("cpu") == "/CPU:0"
    with pytest.raises(UserError, match="--device gpu: TensorFlow sees no GPU"):
        resolve_device("gpu")
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else [])
    growing = []
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", lambda gpu, on: growing.append((gpu, on)))
    assert resolve_device("auto") == resolve_device("gpu") == "/GPU:0"
    assert growing[0] == ("GPU:0", True)  # memory taken as needed, not all of it at start
    assert resolve_device("cpu") == "/CPU:0"
