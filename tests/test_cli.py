"""The command line: runs end to end on the tiny archive, and refuses bad input in one line."""

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared.lab.cli import main
from tests.helpers import FRAMEWORKS_HERE, TINY, needs

RECORD_KEYS = {"framework", "recipe", "input", "init", "seed", "epochs", "batch_size", "lr", "categories",
               "vocab_size", "device", "threads", "versions", "step_losses", "epoch_seconds", "train_seconds",
               "test_accuracy"}


def cli(capsys, *args):
    """(exit code, stdout, stderr) of newsgroups-mlp run in this process."""
    try:
        code = main(list(args))
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("framework", FRAMEWORKS_HERE)
def test_train_writes_a_full_record(capsys, tiny_env, tmp_path, framework):
    out = tmp_path / "deep" / "run.json"
    code, stdout, _ = cli(capsys, "train", "--framework", framework, *TINY, "--out", str(out))
    assert code == 0
    record = json.loads(out.read_text())
    assert RECORD_KEYS <= record.keys()
    assert record["framework"] == framework and record["recipe"] == "tutorial" and record["input"] == "dense"
    assert record["init"] == {"torch": "torch", "tf": "normal"}[framework]
    assert len(record["step_losses"]) == 3 * 4 and len(record["epoch_seconds"]) == 3  # 72 posts // 16
    assert record["test_accuracy"] > 0.5  # chance is 1/3; N(0,1) weights (tf default) stay short of 0.9
    assert "Epoch [3/3], Step [4/4], Loss:" in stdout and f"{framework}: test accuracy" in stdout


@pytest.mark.slow
@needs("torch", "tf")
def test_compare_trains_both_on_the_same_everything_over_three_seeds_by_default(tiny_compare):
    stdout, folder = tiny_compare
    records = {p.name: json.loads(p.read_text()) for p in folder.glob("*.json")}
    assert sorted(records) == [f"{f}-seed{s}.json" for f in ("tf", "torch") for s in range(3)]
    assert records["torch-seed0.json"]["init"] == records["tf-seed0.json"]["init"] == "glorot"
    assert records["torch-seed1.json"]["step_losses"][0] == pytest.approx(records["tf-seed1.json"]["step_losses"][0],
                                                                          rel=1e-5)
    for line in ("test accuracy", "first epoch", "steady epoch", "final loss", "loss curves agree within 0.1%",
                 "paired by seed"):
        assert line in stdout
    accuracy = next(line for line in stdout.splitlines() if line.startswith("test accuracy"))
    assert accuracy.count(" ± ") == 2 and "seed 0,1,2" in stdout
    # --step auto: each framework's fastest exact step for the bag on the CPU, named in the table and records
    assert "steps: PyTorch eager, TensorFlow XLA, padded" in stdout
    assert records["torch-seed0.json"]["step"] == "standard" and records["tf-seed0.json"]["step"] == "captured"


@pytest.mark.parametrize("args, message", [
    (["--categories", "sci.spase,comp.graphics"], "unknown category sci.spase; valid: alt.atheism"),
    (["--categories", ""], "--categories is empty"),
    (["--epochs", "0"], "argument --epochs: must be positive, got '0'"),
    (["--batch-size", "-5"], "argument --batch-size: must be positive"),
    (["--hidden", "0"], "argument --hidden: must be positive"),
    (["--lr", "0"], "argument --lr: must be positive"),
    (["--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["--epochs", "2.5"], "argument --epochs: expected a number, got '2.5'"),
    (["--seed", "x"], "argument --seed: expected an integer, got 'x'"),
    (["--framework", "jax"], "argument --framework: invalid choice: 'jax'"),
    (["--dropout", "1"], "argument --dropout: must be at least 0 and below 1, got '1'"),
    (["--step", "fast"], "argument --step: invalid choice: 'fast'"),
    (["--input", "ragged"], "argument --input: invalid choice: 'ragged'"),
    (["--remove", "headers,sigs"], "argument --remove: --remove: unknown part sigs; choose from headers, footers, quotes"),
    (["--validation", "1.5"], "argument --validation: must be at least 0 and below 1, got '1.5'"),
])
def test_bad_arguments_get_one_line(capsys, tmp_path, args, message):
    out = tmp_path / "run.json"
    base = ["train"] + ([] if "--framework" in args else ["--framework", "torch"])
    code, stdout, stderr = cli(capsys, *base, *args, "--out", str(out))
    assert code == 2 and message in stderr
    assert stderr.count("\n") == 1 and stderr.startswith("newsgroups-mlp train: error:")
    assert not out.exists()


@pytest.mark.parametrize("framework", FRAMEWORKS_HERE)
def test_missing_gpu_is_a_clear_error(capsys, tiny_env, tmp_path, framework):
    impl = __import__(f"{framework}_impl")
    if impl.device.resolve_device("auto") != impl.device.resolve_device("cpu"):
        pytest.skip("this machine has a GPU")
    out = tmp_path / "run.json"
    code, _, stderr = cli(capsys, "train", "--framework", framework, "--device", "gpu", "--out", str(out))
    assert code == 1 and "--device gpu:" in stderr and "sees no" in stderr and stderr.count("\n") == 1
    assert not out.exists()


def test_missing_archive_is_a_clear_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "home"))
    out = tmp_path / "run.json"
    code, _, stderr = cli(capsys, "train", "--framework", FRAMEWORKS_HERE[0], "--archive", str(tmp_path / "no.tar.gz"),
                          "--out", str(out))
    assert code == 1 and stderr == f"newsgroups-mlp: error: 20 Newsgroups archive not found: {tmp_path}/no.tar.gz\n"
    assert not out.exists()


def test_unwritable_out_fails_before_training(capsys, tiny_env, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, stdout, stderr = cli(capsys, "train", "--framework", FRAMEWORKS_HERE[0], *TINY,
                               "--out", str(blocker / "run.json"))
    assert code == 1 and f"cannot write to {blocker}" in stderr and "Epoch" not in stdout
    code, _, stderr = cli(capsys, "compare", *TINY, "--out", str(blocker / "dir"))
    assert code == 1 and "cannot write to" in stderr


@pytest.mark.parametrize("framework", FRAMEWORKS_HERE)
def test_nan_loss_stops_with_the_step(capsys, tiny_env, tmp_path, framework):
    out = tmp_path / "run.json"
    code, _, stderr = cli(capsys, "train", "--framework", framework, *TINY, "--init", "normal", "--lr", "1e30",
                          "--out", str(out))
    assert code == 1 and "loss became nan at epoch 1, step" in stderr and stderr.count("\n") == 1
    assert not out.exists()


@pytest.mark.slow
def test_errors_have_no_traceback_as_a_process(tmp_path, tiny_env):
    for args in (["train", "--framework", "torch", "--epochs", "0", "--out", "x.json"],
                 ["train", "--framework", FRAMEWORKS_HERE[0], "--archive", str(tmp_path), "--out", "x.json"]):
        done = subprocess.run([sys.executable, "-m", "shared.lab.cli", *args], capture_output=True, text=True,
                              cwd=tmp_path, env=tiny_env)
        assert done.returncode != 0 and "Traceback" not in done.stderr
        assert re.match(r"newsgroups-mlp( train)?: error: ", done.stderr.strip().splitlines()[-1])
        assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("args, message", [
    (["--framework", FRAMEWORKS_HERE[0], "--step", "captured", "--input", "dense"],
     "--step captured pads a bag of words to one shape: it needs --input bag, not dense"),
    pytest.param(["--framework", "tf", "--step", "compiled", "--recipe", "clean"],
                 "--step compiled: XLA compiles once per shape", marks=needs("tf")),
])
def test_steps_that_cannot_run_get_one_line(capsys, tiny_env, tmp_path, args, message):
    out = tmp_path / "run.json"
    code, stdout, stderr = cli(capsys, "train", *args, *TINY, "--out", str(out))
    assert code == 1 and message in stderr and stderr.count("\n") == 1 and "Epoch" not in stdout
    assert not out.exists()


@needs("torch")
def test_captured_step_without_a_gpu_is_one_line(capsys, tiny_env, tmp_path):
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    out = tmp_path / "run.json"
    code, stdout, stderr = cli(capsys, "train", "--framework", "torch", "--recipe", "clean", "--step", "captured",
                               *TINY, "--out", str(out))
    assert code == 1 and stderr == ("newsgroups-mlp: error: --step captured: PyTorch captures a step as a CUDA graph, "
                                    "which needs a CUDA GPU\n")
    assert not out.exists()


# Six trainings in one fresh interpreter: --deterministic cannot be switched off again in TensorFlow, so not here.
SIX_RUNS = """import sys
from shared.lab.cli import main
framework, tiny = sys.argv[1], sys.argv[2:]
for form in ("dense", "sparse", "bag"):
    for run in ("a", "b"):
        code = main(["train", "--framework", framework, "--recipe", "clean", "--input", form, "--deterministic",
                     *tiny, "--out", f"{form}-{run}.json"])
        assert code == 0, (form, run)"""


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS_HERE)
def test_deterministic_runs_are_recorded_and_repeat(tiny_env, tmp_path, framework):
    """--deterministic in a process of its own: each input form, twice, gives identical losses, and the
    record says it was on."""
    done = subprocess.run([sys.executable, "-c", SIX_RUNS, framework, *TINY], capture_output=True, text=True,
                          env=tiny_env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for form in ("dense", "sparse", "bag"):
        records = [json.loads((tmp_path / f"{form}-{run}.json").read_text()) for run in ("a", "b")]
        assert all(r["deterministic"] is True and r["input"] == form for r in records)
        assert records[0]["step_losses"] == records[1]["step_losses"]


def test_a_validation_split_with_no_training_post_left_is_one_line(capsys, tiny_env, tmp_path):
    out = tmp_path / "run.json"
    code, stdout, stderr = cli(capsys, "train", "--framework", FRAMEWORKS_HERE[0], "--validation", "0.999", *TINY,
                               "--out", str(out))
    assert code == 1 and stderr == "newsgroups-mlp: error: --validation 0.999 of 72 training posts leaves no training post\n"
    assert not out.exists()


def test_validation_runs_say_what_they_were_evaluated_on(capsys, tiny_env, tmp_path):
    out = tmp_path / "run.json"
    code, stdout, _ = cli(capsys, "train", "--framework", FRAMEWORKS_HERE[0], "--recipe", "clean", "--validation", "0.25",
                          "--remove", "headers", *TINY, "--out", str(out))
    record = json.loads(out.read_text())
    assert code == 0 and record["evaluated_on"] == "validation 0.25 of train" and record["test_docs"] == 18
    assert record["remove"] == ["headers"] and "validation 0.25 of train accuracy" in stdout


@pytest.mark.slow
def test_no_archive_and_no_network_is_only_the_projects_line(tmp_path):
    """scikit-learn's own download warnings stay out; a closed local proxy stands in for no network."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSGROUPS_ARCHIVE"}
    env.update(SCIKIT_LEARN_DATA=str(tmp_path / "empty"), https_proxy="http://127.0.0.1:9", http_proxy="http://127.0.0.1:9",
               HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", no_proxy="", NO_PROXY="")
    done = subprocess.run([sys.executable, "-m", "shared.lab.cli", "train", "--framework", FRAMEWORKS_HERE[0], "--out", "x.json"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    lines = [line for line in done.stderr.splitlines() if not re.match(r"^(I0000|W0000|WARNING: All log)", line)]
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith("newsgroups-mlp: error: cannot download 20 Newsgroups") and "NEWSGROUPS_ARCHIVE" in lines[0]
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("framework", FRAMEWORKS_HERE)
def test_determinism_a_framework_cannot_honour_is_one_line(capsys, tiny_env, tmp_path, monkeypatch, framework):
    """Where an op has no deterministic kernel (a GPU's, say), the framework raises mid-run: one line, no record."""
    impl = __import__(f"{framework}_impl.train")

    def refuse(*args, **kwargs):
        raise RuntimeError("embedding_bag_backward_cuda_sum_avg does not have a deterministic implementation\nmore")
    monkeypatch.setattr(impl.train, "train", refuse)
    monkeypatch.setattr(impl, "configure_determinism", lambda on: None)  # the switch itself is global
    out = tmp_path / "run.json"
    code, _, stderr = cli(capsys, "train", "--framework", framework, "--deterministic", *TINY, "--out", str(out))
    assert code == 1 and stderr.count("\n") == 1
    assert stderr.startswith(f"newsgroups-mlp: error: --deterministic: {framework} cannot run this deterministically on cpu")
    assert not out.exists()


TF_START_UP = r"absl::InitializeLog|cudart_stub|port\.cc|oneDNN|cuda drivers|cuInit"


@pytest.mark.slow
@needs("tf")
def test_tensorflow_starts_quietly_unless_asked(tmp_path, tiny_env):
    """No line of TensorFlow's own before the project's: its libraries' start-up lines are held back, and
    NEWSGROUPS_VERBOSE=1 brings them back (so the check can fail)."""
    args = [sys.executable, "-m", "shared.lab.cli", "train", "--framework", "tf", *TINY, "--out", "run.json"]
    quiet = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=tiny_env)
    assert quiet.returncode == 0 and not re.search(TF_START_UP, quiet.stderr), quiet.stderr
    loud = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env={**tiny_env, "NEWSGROUPS_VERBOSE": "1"})
    assert loud.returncode == 0 and re.search(TF_START_UP, loud.stderr)


@pytest.mark.slow
@needs("tf")
def test_tensorflows_own_errors_still_reach_the_user(tmp_path):
    """The start-up lines are held back, not TensorFlow's errors: one forced through its C++ logger (as
    tf.print writes to the error log) is on stderr after the lab has imported tf_impl, and a warning is not."""
    forced = ("from shared.lab.runner import implementation; implementation('tf'); import tensorflow as tf\n"
              "tf.print('forced error', output_stream=tf.compat.v1.logging.error)\n"
              "tf.print('forced warning', output_stream=tf.compat.v1.logging.warning)\n")
    done = subprocess.run([sys.executable, "-c", forced], capture_output=True, text=True, cwd=Path(__file__).parent.parent,
                          env={k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "NEWSGROUPS_VERBOSE")})
    assert done.returncode == 0, done.stderr
    assert re.search(r"^E\S* .*logging_ops\.cc.*\] forced error$", done.stderr, re.M), done.stderr
    assert "forced warning" not in done.stderr and not re.search(TF_START_UP, done.stderr), done.stderr


@pytest.mark.slow
@needs("torch", "tf")
def test_ctrl_c_during_compare_keeps_finished_runs_and_leaves_no_temporary_file(tmp_path, tiny_env):
    import signal
    import time
    out = tmp_path / "compare"
    # A suite started in the background by a shell without job control (`make test &`) has SIGINT ignored, and
    # compare would inherit that and ignore the Ctrl-C below: handled here while compare starts, it reaches
    # compare as the default, as at a terminal.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen([sys.executable, "-m", "shared.lab.cli", "compare", "--seed", "0-9", "--epochs", "40",
                                    "--batch-size", "16", "--device", "cpu", "--out", str(out)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=tiny_env)
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.monotonic() + 120
    while not (out / "tf-seed0.json").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stderr.strip().splitlines()[-1] == "newsgroups-mlp: interrupted", stderr
    kept = sorted(p.name for p in out.iterdir())
    assert {"torch-seed0.json", "tf-seed0.json"} <= set(kept) and not (out / "tf-seed9.json").exists()
    assert not [name for name in kept if name.startswith(".")]  # no temporary file
    for name in kept:
        assert json.loads((out / name).read_text())["epochs"] == 40


def workers_of(pid):
    """The pids of the run processes (multiprocessing's spawned workers) that process `pid` has started."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = []
    for child in children:
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
    return found


@pytest.mark.slow
@needs("torch", "tf")
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds compare's workers through Linux's /proc")
def test_a_compare_worker_killed_by_a_signal_is_named_with_the_signal(tmp_path, tiny_env):
    """The out-of-memory killer's SIGKILL, sent for real to the first run's process: compare stops with one
    line naming the run and the signal, exit code 1 (not a Ctrl-C's 130), and no record of that run."""
    import signal
    import time
    out = tmp_path / "compare"
    process = subprocess.Popen([sys.executable, "-m", "shared.lab.cli", "compare", "--seed", "0-1", "--epochs", "40",
                                "--batch-size", "16", "--device", "cpu", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=tiny_env)
    deadline, workers = time.monotonic() + 120, []
    while not workers and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        workers = workers_of(process.pid)
    time.sleep(1)  # well into its start
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    assert stderr.strip().splitlines() == [
        "newsgroups-mlp: error: the PyTorch seed-0 run's process was killed by SIGKILL (out of memory?)"], stderr
    assert not out.exists() or not list(out.iterdir())


def alive(pid):
    """Whether `pid` still runs (a zombie waiting for its parent to read its exit does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@needs("torch", "tf")
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds compare's workers through Linux's /proc")
@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_signal_to_compare_alone_stops_its_worker_and_nothing_is_written_after(tmp_path, tiny_env, signum):
    """A service manager's SIGTERM, a closed terminal's SIGHUP, sent to compare alone (not its process group):
    compare stops its worker, keeps what finished, says so in one line and exits 128 + the signal. Killed outright
    (SIGKILL, which it cannot see), its worker ends with it. Either way, no file appears after it has exited."""
    import signal
    import time
    signum = signal.Signals[signum]
    out = tmp_path / "compare"
    process = subprocess.Popen([sys.executable, "-m", "shared.lab.cli", "compare", "--seed", "0-9", "--epochs", "40",
                                "--batch-size", "16", "--device", "cpu", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=tiny_env)
    deadline = time.monotonic() + 120
    while not (out / "tf-seed0.json").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = []
    while not workers and process.poll() is None and time.monotonic() < deadline:
        workers = workers_of(process.pid)
    time.sleep(0.5)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == (-signum if signum == signal.SIGKILL else 128 + signum), stderr
    if signum != signal.SIGKILL:
        assert stderr.strip().splitlines()[-1] == f"newsgroups-mlp: stopped by {signum.name}", stderr
    deadline = time.monotonic() + 5
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and not any(map(alive, workers))
    kept = sorted(p.name for p in out.iterdir())
    time.sleep(2)
    assert sorted(p.name for p in out.iterdir()) == kept
    assert {"torch-seed0.json", "tf-seed0.json"} <= set(kept) and not (out / "tf-seed9.json").exists()
    if signum != signal.SIGKILL:
        assert not [name for name in kept if name.startswith(".")]  # no temporary file


def test_ctrl_c_while_a_worker_starts_stops_it(monkeypatch):
    """compare's runs each start a process; a Ctrl-C that lands while one starts (a window the test above hit
    once in a while, then waited on a worker left running with its pipes) must stop that worker too: here
    it lands just as the worker has been handed its arguments, before the parent knows its pid."""
    import multiprocessing.popen_spawn_posix
    import signal
    import time
    from shared.lab.runner import in_a_process_of_its_own
    launched, launch = [], multiprocessing.popen_spawn_posix.Popen._launch

    def launch_then_ctrl_c(popen, process):
        launch(popen, process)
        launched.append(popen)
        os.kill(os.getpid(), signal.SIGINT)
    monkeypatch.setattr(multiprocessing.popen_spawn_posix.Popen, "_launch", launch_then_ctrl_c)
    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        in_a_process_of_its_own(time.sleep, 60)
    assert time.monotonic() - begun < 30 and launched[0].poll() is not None


def peak_mb_of(args, env, cwd):
    """(exit code, peak resident MB) of newsgroups-mlp run as a child process (the kernel's own count)."""
    process = subprocess.Popen([sys.executable, "-m", "shared.lab.cli", *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=cwd, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024


@pytest.mark.real_data
@needs("torch", "tf")
def test_compares_peak_memory_does_not_grow_with_the_seeds(real_corpus, tmp_path):
    """Each run's batches (0.79 GB of dense tutorial batches an epoch), model and traced functions are let go
    before the next: two seeds peak where one does (a third would add nothing the second does not: each seed's
    runs are new processes)."""
    peaks = {}
    for seeds in ("0", "0-1"):
        code, peaks[seeds] = peak_mb_of(["compare", "--seed", seeds, "--epochs", "1", "--device", "cpu",
                                         "--out", str(tmp_path / seeds)], dict(os.environ), tmp_path)
        assert code == 0
    assert abs(peaks["0-1"] - peaks["0"]) <= 0.1 * peaks["0"], peaks


@pytest.mark.slow
@needs("torch", "tf")
def test_compare_says_when_other_processes_took_the_cpu_and_not_otherwise(tmp_path, tiny_env):
    """Contention is not a framework difference: with a CPU-bound process per core running beside it, compare
    ends with the busy-machine line on stderr; alone, it does not."""
    def compare(out):
        return subprocess.run([sys.executable, "-m", "shared.lab.cli", "compare", "--recipe", "clean", "--seed", "0",
                               *TINY, "--out", str(out)], capture_output=True, text=True, env=tiny_env, timeout=300)
    alone = compare(tmp_path / "alone")
    assert alone.returncode == 0, alone.stderr
    assert "the machine was busy" not in alone.stderr
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        beside = compare(tmp_path / "beside")
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    assert beside.returncode == 0, beside.stderr
    line = next(line for line in beside.stderr.splitlines() if "the machine was busy" in line)
    share = int(re.search(r"other processes took (\d+)% of its CPU", line).group(1))
    assert share >= 20 and "not a framework difference" in line
