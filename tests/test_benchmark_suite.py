"""The benchmark suite as a pytest-benchmark user runs it: one row per case holding all its rounds (interleaved with
the other cases of its comparison), pytest-benchmark's own table, histogram, saved runs and compare meaning what they
say, options it cannot honour refused at start-up, and a default run of the headline cases alone."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import needs

ROOT = Path(__file__).resolve().parent.parent
# Two cases of one comparison, timed through the suite's own turns (benchmarks/turns.py): "slow" sleeps three times
# as long as "fast", and every other round twice as long, so each row's rounds have a spread.
CASES = '''
import time
import pytest
from benchmarks import turns

@pytest.fixture(scope="session")
def comparisons():
    return turns.Comparisons(7)

@pytest.mark.parametrize("variant", ["fast", "slow"])
def test_case(request, benchmark, comparisons, variant):
    benchmark.group = "sleep"
    outcome = comparisons.outcome(
        request.node, lambda name: 0.002 if name == "fast" else 0.006,
        lambda pause, turn: (turns.clock(lambda: time.sleep(pause * (1 + turn % 2)))[0], None), lambda pause: 6)
    turns.record(benchmark, outcome.seconds)
'''


def pytest_run(*args, cwd=ROOT, timeout=300):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.slow
def test_each_case_is_one_row_of_all_its_rounds_which_pytest_benchmark_compares_and_draws(tmp_path):
    (tmp_path / "test_cases.py").write_text(CASES)
    storage = f"file://{tmp_path / 'storage'}"
    first = pytest_run("test_cases.py", "--benchmark-json", "one.json", "--benchmark-save", "one",
                       "--benchmark-storage", storage, "--benchmark-histogram", str(tmp_path / "hist"), cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    rows = {b["name"]: b for b in json.loads((tmp_path / "one.json").read_text())["benchmarks"]}
    assert sorted(rows) == ["test_case[fast]", "test_case[slow]"]
    for row in rows.values():
        stats = row["stats"]
        assert stats["rounds"] == len(stats["data"]) == 6 and stats["min"] < stats["max"] and stats["stddev"] > 0
        assert row["options"]["interleaved"] is True and row["options"]["timer"] == "perf_counter"
    assert rows["test_case[slow]"]["stats"]["median"] > 2 * rows["test_case[fast]"]["stats"]["median"]
    table = re.findall(r"^test_case\[(\w+)\].*?\s(\d+)\s+1\s*$", first.stdout, re.M)
    assert sorted(table) == [("fast", "6"), ("slow", "6")]  # pytest-benchmark's own table: one row a case, 6 rounds
    assert list(tmp_path.glob("hist*.svg"))  # --benchmark-histogram drew it
    second = pytest_run("test_cases.py", "--benchmark-save", "two", "--benchmark-storage", storage,
                        "--benchmark-compare", "0001", "--benchmark-compare-fail", "median:400%", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    compared = subprocess.run([str(Path(sys.executable).parent / "pytest-benchmark"), "--storage", storage, "compare",
                               "0001", "0002"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert compared.returncode == 0, compared.stderr
    for case in ("fast", "slow"):  # the same case of each run, paired
        assert len(re.findall(rf"^test_case\[{case}\] \((000[12])_", compared.stdout, re.M)) == 2, compared.stdout


@pytest.mark.slow
@pytest.mark.parametrize("option, says", [
    ("--benchmark-timer=time.process_time", "every figure here is wall time"),
    ("--benchmark-min-rounds=20", "each case's rounds are set by the suite"),
    ("--benchmark-warmup", "warms up until two rounds agree"),
    ("--benchmark-max-time=5", "not by a time budget"),
    ("--benchmark-cprofile=tottime", "newsgroups-mlp profile"),
    ("--frameworks=jax", "--frameworks takes torch, tf or torch,tf")])
def test_an_option_the_suite_cannot_honour_is_refused_in_one_line_at_start_up(option, says):
    found = pytest_run("benchmarks/", option, "--collect-only", "-q")
    assert found.returncode == 4
    assert found.stderr.strip().count("\n") == 0 and says in found.stderr and "Traceback" not in found.stderr


@pytest.mark.slow
def test_a_plain_run_collects_the_headline_cases_alone_and_no_gpu_case_without_a_gpu():
    from shared.lab.runner import implementation, installed_frameworks
    gpu = any(implementation(f).resolve_device("auto") != implementation(f).resolve_device("cpu")
              for f in installed_frameworks())
    plain = pytest_run("benchmarks/", "--collect-only")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "the headline cases alone; --full runs the whole suite" in plain.stdout
    ids = re.findall(r"<Function (\S+)>", plain.stdout)
    assert ids and all(re.search(r"test_(train_epoch|inference|accuracy)\[", i) for i in ids)
    full = pytest_run("benchmarks/", "--collect-only", "-q", "--full")
    items = [line for line in full.stdout.splitlines() if "::" in line]
    assert len(items) > 5 * len(ids)
    if not gpu:
        assert not [i for i in items if "gpu" in i]
        assert re.search(r"^\d+ GPU cases not collected: no GPU visible", full.stdout, re.M)


@pytest.mark.slow
@needs("torch", "tf")
def test_processes_of_each_framework_alone_split_the_suite_between_them():
    """make bench's pairs: PyTorch's process and TensorFlow's together collect the whole suite, no case twice (the
    peers' and the data's run beside PyTorch's), and a process of both says its PyTorch rows ran beside TensorFlow."""
    def collected(*args):
        run = pytest_run("benchmarks/", "--full", "--collect-only", "-q", *args)
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout, {line for line in run.stdout.splitlines() if "::" in line}
    both_out, both = collected()
    _, torch = collected("--frameworks", "torch")
    tf_out, tf = collected("--frameworks", "tf")
    assert torch and tf and not torch & tf and torch | tf == both
    assert any("test_data.py" in i for i in torch) and not any("sklearn" in i or "test_data.py" in i for i in tf)
    assert "PyTorch's rows run slower beside TensorFlow's threads" in both_out
    assert "beside TensorFlow" not in tf_out
