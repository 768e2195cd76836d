"""Faults lose nothing: a full disk, a damaged file, a second writer, a check over nothing, a value that would train
nothing. Each ends in one line and a non-zero exit, and leaves every earlier file as it was."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared.lab.cli import main
from tests.helpers import needs

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = ROOT / "tests" / "fixtures" / "headline"
RUNS = sorted(p.name for p in HEADLINE.iterdir())
COMPARE = ROOT / "tests" / "fixtures" / "compare"


def cli(capsys, *args):
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit:  # argparse's refusals
        code = exit.code
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line(err, says):
    return err.count("\n") == 1 and says in err and "Traceback" not in err


def contents(folder):
    """{name: bytes} of every file under `folder`, hidden ones too."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture
def small_disk(tmp_path):
    """A file system of its own, 4 MB, to fill (a tmpfs: where this machine lets the tests mount one)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"a full disk needs a tmpfs of its own, which this machine does not let the tests mount "
                    f"({mounted.stderr.strip() or 'mount failed'})")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk, leave=0):
    """Every free byte of `disk` but `leave` taken by one file."""
    with open(disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass
    os.truncate(disk / "filler", os.path.getsize(disk / "filler") - leave)
    assert leave <= shutil.disk_usage(disk).free < leave + 8192


# Writing whole or not at all

def test_a_report_on_a_full_disk_is_one_line_and_leaves_the_earlier_report_whole(small_disk, capsys):
    out = small_disk / "report"
    assert cli(capsys, "report", HEADLINE / RUNS[0], "--out", out)[0] == 0
    earlier = contents(out)
    assert "report.md" in earlier and "headline_ratios.png" in earlier
    fill(small_disk)
    code, _, err = cli(capsys, "report", HEADLINE / RUNS[1], "--out", out)
    assert code == 1 and one_line(err, f"cannot write to {out}"), err  # refused before it starts: no room
    from shared.lab.report import write_report
    from shared.errors import UserError
    with pytest.raises(UserError, match="No space left on device"):  # past that check: the set is not written
        write_report([HEADLINE / RUNS[1]], out)
    assert contents(out) == earlier and not [n for n in os.listdir(out) if n.startswith(".")]  # no staging folder


def test_a_new_report_replaces_the_earlier_set_whole(tmp_path, capsys):
    """A report of run records (loss curves) then one of a benchmark run into the same folder: the second set
    replaces the first, and the figure it has no source for is gone, not left beside a report that does not show it."""
    out = tmp_path / "report"
    assert cli(capsys, "report", COMPARE, "--out", out)[0] == 0
    assert (out / "loss_curves.png").exists()
    assert cli(capsys, "report", HEADLINE / RUNS[0], "--out", out)[0] == 0
    names = set(os.listdir(out))
    assert "loss_curves.png" not in names and "accuracy_per_seed.png" not in names
    shown = {line.split("(")[1].rstrip(")") for line in (out / "report.md").read_text().splitlines()
             if line.startswith("![")}
    assert shown and shown <= names and not [n for n in names if n.startswith(".")]


def test_a_failed_report_leaves_no_empty_folder(tmp_path, capsys):
    code, _, err = cli(capsys, "report", tmp_path / "nothing.json", "--out", tmp_path / "rep")
    assert code == 1 and one_line(err, "nothing.json") and not (tmp_path / "rep").exists()


def docs_project(root):
    shutil.copytree(HEADLINE / RUNS[0], root / "results" / "run")
    (root / "docs").mkdir()
    (root / "README.md").write_text("# A project\n\nTen lines of prose that must stay.\n")
    return root


def test_docs_on_a_full_disk_writes_no_file_and_is_one_line(small_disk, capsys):
    """Room for the first file's new text but not the second's: the first is not written either."""
    project = docs_project(small_disk / "project")
    (project / "docs" / "a.md").write_text(f"{BLOCK}<!-- /docs -->\n")
    (project / "docs" / "b.md").write_text(f"{BLOCK}<!-- /docs -->\n" + "A line of prose.\n" * 2000)
    assert cli(capsys, "docs", "--root", project)[0] == 0
    for name in ("a.md", "b.md"):  # both typed over
        path = project / "docs" / name
        path.write_text(path.read_text().replace("1.28×", "9.99×"))
    earlier = contents(project)
    fill(small_disk, leave=8192)
    code, _, err = cli(capsys, "docs", "--root", project)
    assert code == 1 and one_line(err, "No space left on device"), err
    assert contents(project) == earlier


# docs: nothing it cannot read

BLOCK = "<!-- docs: table results/run headline -->"


@pytest.mark.parametrize("text, says", [
    (f"{BLOCK}\n\nProse between two blocks.\n\n{BLOCK}<!-- /docs -->\n",
     "docs/notes.md:1: the block opened here is not closed (<!-- /docs -->) before the next marker, at line 5"),
    (f"Prose.\n\n{BLOCK}\n\nProse that would go with it.\n", "docs/notes.md:3: the block opened here is never closed"),
    ("<!-- docs: table results/run headline\n\n-->stale<!-- /docs -->\n", "docs/notes.md:1: a marker must read"),
    ("<!-- docs:table results/run headline --><!-- /docs -->\n", "docs/notes.md:1: a marker must read"),
    ("<!--docs: table results/run headline --><!-- /docs -->\n", "docs/notes.md:1: a marker must read"),
    ("<!-- doc: table results/run headline --><!-- /docs -->\n", "docs/notes.md:1: a marker must read"),
    ("Prose.\n<!-- /docs -->\n", "docs/notes.md:2: <!-- /docs --> closes no block"),
    (f"Prose.\n\n{BLOCK}stale<!-- /docs-->\n", "docs/notes.md:3: a closing marker must read <!-- /docs -->"),
])
def test_a_marker_docs_cannot_read_names_its_line_and_nothing_is_written(tmp_path, capsys, text, says):
    project = docs_project(tmp_path)
    good = f"{BLOCK}<!-- /docs -->\n"  # a sound block in another file: not written either
    (project / "docs" / "good.md").write_text(good)
    (project / "docs" / "notes.md").write_text(text)
    for check in ([], ["--check"]):
        code, out, err = cli(capsys, "docs", "--root", project, *check)
        assert code == 1 and one_line(err, says), err
    assert (project / "docs" / "notes.md").read_text() == text and (project / "docs" / "good.md").read_text() == good


@pytest.mark.parametrize("make, says", [
    (lambda root: root / "nowhere", "no such folder"),
    (lambda root: root, "holds none of the docs"),
    (lambda root: (root / "README.md").write_text("# Prose, no block\n") and root, "no generated block"),
])
def test_a_check_over_nothing_fails(tmp_path, capsys, make, says):
    root = make(tmp_path)
    code, out, err = cli(capsys, "docs", "--check", "--root", root)
    assert code == 1 and one_line(err, says) and "match their sources" not in out


@pytest.mark.parametrize("damage, says", [
    (lambda path: path.write_text(path.read_text()[:200]), "is not a run record: not whole JSON (cut short?)"),
    (lambda path: path.write_text("{}"), "is not a whole run record: it lacks"),
    (lambda path: path.unlink(), "lacks torch-seed0.json: its seed 0 ran in one framework only (seeds 1, 2 pair)"),
])
def test_a_damaged_compare_run_is_one_line_naming_it(tmp_path, capsys, damage, says):
    project = docs_project(tmp_path)
    shutil.copytree(COMPARE, project / "results" / "compare")
    (project / "docs" / "notes.md").write_text("<!-- docs: compare results/compare --><!-- /docs -->\n")
    damage(project / "results" / "compare" / "torch-seed0.json")
    code, _, err = cli(capsys, "docs", "--root", project)
    assert code == 1 and one_line(err, says) and "docs/notes.md:1" in err, err


def test_a_python_file_that_does_not_parse_is_one_line_in_the_pointer_check(tmp_path, capsys):
    project = docs_project(tmp_path)
    (project / "docs" / "notes.md").write_text(f"{BLOCK}<!-- /docs -->\n")
    (project / "shared").mkdir()
    (project / "shared" / "broken.py").write_text("def f(:\n")
    assert cli(capsys, "docs", "--root", project)[0] == 0
    code, _, err = cli(capsys, "docs", "--check", "--root", project)
    assert code == 1 and one_line(err, "broken.py:1: its pointers cannot be read"), err


# report: no comparison of nothing

def one_process(tmp_path, run):
    folder = tmp_path / run
    folder.mkdir()
    shutil.copy(HEADLINE / run / "process-1.json", folder)
    return folder


@pytest.mark.parametrize("against, says", [
    (lambda tmp: one_process(tmp, RUNS[1]), "--against: nothing to compare: of the TensorFlow ÷ PyTorch ratios, 1 is "
                                            "in both runs and none has a standard error in both"),
    (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "no benchmark JSON or run record there"),
    (lambda tmp: COMPARE, "only run records there"),
])
def test_a_comparison_with_nothing_to_compare_fails(tmp_path, capsys, against, says):
    earlier = against(tmp_path)
    code, out, err = cli(capsys, "report", one_process(tmp_path, RUNS[0]), "--out", tmp_path / "rep", "--against",
                         earlier)
    assert code == 1 and one_line(err, says) and "reproduced" not in out, err
    assert not (tmp_path / "rep").exists()


def test_a_history_too_short_for_a_spread_fails(tmp_path, capsys):
    history = tmp_path / "history"
    shutil.copytree(HEADLINE / RUNS[0], history / RUNS[0])
    shutil.copytree(HEADLINE / RUNS[1], history / RUNS[1])
    code, _, err = cli(capsys, "report", HEADLINE / RUNS[0], "--out", tmp_path / "rep", "--history", history)
    assert code == 1 and one_line(err, "--history gives 1 run besides the ones reported; a spread between runs "
                                       "needs 3 or more"), err


# Inputs that would train nothing, or crash later

@pytest.mark.parametrize("command", ["train", "compare"])
def test_a_negative_seed_is_refused_and_leaves_no_folder(tmp_path, capsys, command):
    out = tmp_path / "out" / ("run.json" if command == "train" else "compare")
    code, _, err = cli(capsys, command, *(["--framework", "torch"] if command == "train" else []), "--seed=-1",
                       "--out", out)
    assert code == 2 and one_line(err, "a seed is 0 or more") and not (tmp_path / "out").exists()


@needs("torch")  # train starts its framework before it reads the data
@pytest.mark.parametrize("command", ["train", "compare"])
def test_a_batch_larger_than_the_training_split_is_refused(tmp_path, capsys, tiny_env, command):
    out = tmp_path / "out" / ("run.json" if command == "train" else "compare")
    code, _, err = cli(capsys, command, *(["--framework", "torch"] if command == "train" else []),
                       "--batch-size", "100000", "--device", "cpu", "--out", out)
    assert code == 1 and one_line(err, "--batch-size 100000 is more than the 72 training posts"), err
    assert not out.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["train", "--framework", "torch", "--out", "run.json"],
                                  ["compare", "--out", "compare"],
                                  ["profile", "--framework", "tf", "--out", "profile.json"]])
def test_a_full_disk_is_refused_before_a_run_starts(small_disk, capsys, tiny_env, args):
    fill(small_disk)
    begun = time.monotonic()
    code, _, err = cli(capsys, *args[:-1], small_disk / args[-1])
    assert code == 1 and one_line(err, f"cannot write to {small_disk}"), err
    assert time.monotonic() - begun < 5  # before the frameworks start
    assert sorted(os.listdir(small_disk)) == ["filler"]


def test_a_trace_cut_short_is_not_kept(tmp_path):
    """profile's trace folder: a new one takes an earlier one's place whole; one whose writing fails goes."""
    from shared.lab.files import written_folder
    trace = tmp_path / "p-trace"
    with written_folder(trace) as staging:
        (staging / "one").write_text("earlier")
    with pytest.raises(KeyboardInterrupt), written_folder(trace) as staging:
        (staging / "two").write_text("cut short")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == ["p-trace"] and os.listdir(trace) == ["one"]
    assert oct(trace.stat().st_mode & 0o777) == oct(0o755)


@needs("torch")  # train starts its framework before it reads the data
def test_an_archive_that_is_a_folder_says_so(tmp_path, capsys):
    code, _, err = cli(capsys, "train", "--framework", "torch", "--archive", tmp_path, "--out", tmp_path / "r.json")
    assert code == 1 and one_line(err, "is a folder; give the 20news-bydate.tar.gz file itself"), err


# One writer per output

HOLD = "import sys, time; from shared.lab.files import only_writer\nwith only_writer(sys.argv[1]):\n" \
       "    print('held', flush=True); time.sleep(60)"


@needs("torch")  # train starts its framework before it reads the data
@pytest.mark.parametrize("command", ["train", "compare"])
def test_a_second_run_into_an_out_being_written_is_refused_until_the_first_ends(tmp_path, capsys, command):
    """The first run is a process holding the lock (as a run does from start to end); killed outright, it lets go."""
    out = tmp_path / ("run.json" if command == "train" else "compare")
    if command == "compare":
        out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline() == "held\n"
        code, _, err = cli(capsys, command, *(["--framework", "torch"] if command == "train" else []),
                           "--archive", tmp_path / "no.tar.gz", "--out", out)
        assert code == 1 and one_line(err, f"{out} is being written by another run"), err
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    code, _, err = cli(capsys, command, *(["--framework", "torch"] if command == "train" else []),
                       "--archive", tmp_path / "no.tar.gz", "--out", out)
    assert code == 1 and one_line(err, "archive not found"), err  # past the lock: the kernel let it go
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
