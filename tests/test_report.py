"""newsgroups-mlp report: complete tables, real images, the same bytes from the same inputs.

With NEWSGROUPS_BENCH_JSON set to a benchmark JSON or a folder of them (CI sets it after its short benchmark
run), the report built from
that real benchmark file is checked too."""

import csv
import json
import os
import re
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from scipy import stats as scipy_stats

from shared.errors import UserError
from shared.lab.cli import main
from shared.lab.report import FIGURES, verdict, write_report
from shared.lab.stats import ratio_over_processes
from tests.helpers import FRAMEWORKS_HERE, TINY

SECTIONS = ("## Environment", "## Headline", "## Speed", "## Targets", "## Scaling", "## Accuracy", "## Figures")
SCALING_FIGURES = tuple(f"scaling_{axis}.png" for axis in ("batch", "hidden", "vocab"))


def stats(median, rounds=3):
    return {"min": median * 0.9, "max": median * 1.1, "mean": median, "stddev": median * 0.05, "rounds": rounds,
            "median": median, "iqr": median * 0.1, "q1": median * 0.95, "q3": median * 1.05, "iterations": 1,
            "data": [median * f for f in (0.98, 1.0, 1.02)][:rounds]}


def bench_entry(group, variant, median, device="cpu", **info):
    return {"group": group, "name": f"test[{variant}]", "fullname": f"benchmarks/x.py::test[{variant}]",
            "params": {}, "stats": stats(median),
            "extra_info": {"variant": variant, "threads": 2, "device": device, "docs": 1774,
                           "docs_per_second": 1774 / median, "versions": {"torch": "2.13.0"}, "peak_host_mb": 900.0,
                           **info}}


def scaling_entries(device, speedup):
    """Seconds per epoch that grow as value^1 (bag) and value^0.5 (dense), on `device`."""
    entries = []
    for axis, values in (("batch", (16, 256, 4096)), ("hidden", (64, 256, 1024)), ("vocab", (1000, 16000, 115656))):
        for framework in ("torch", "tf"):
            for form, power in (("bag", 1.0), ("dense", 0.5)):
                for value in values:
                    median = (0.001 * value ** power + (0.05 if device != "cpu" else 0)) / speedup
                    entries.append(bench_entry(f"scaling {axis}", f"{framework} {form}", median, device=device,
                                               axis=axis, value=value, framework=framework, form=form))
    return entries


TF_SPREAD = (1.0, 1.05, 1 / 1.05)  # each process's TensorFlow rows run this much slower than the first's


def synthetic_run(processes=3, dirty=False, tf_spread=TF_SPREAD):
    """The JSON files of one run of `processes` processes: PyTorch's rows alike in each, TensorFlow's scaled by
    that process's tf_spread, so every TensorFlow ÷ PyTorch ratio has a known per-process value."""
    run = []
    for index in range(processes):
        bench = synthetic_bench(dirty)
        for b in bench["benchmarks"]:
            if b["extra_info"]["variant"].startswith("tf"):
                b["stats"] = {**b["stats"], "data": [t * tf_spread[index] for t in b["stats"]["data"]],
                              "median": b["stats"]["median"] * tf_spread[index]}
        run.append(bench)
    return run


def write_run(folder, run):
    folder.mkdir(parents=True, exist_ok=True)
    for index, bench in enumerate(run):
        (folder / f"bench-{index}.json").write_text(json.dumps(bench))
    return folder


def synthetic_bench(dirty=False):
    """A benchmark JSON in pytest-benchmark's layout with one entry of every group the suite makes (one process)."""
    floor = {"optimizer_floor_seconds": 0.05, "first_seconds": 1.0, "accuracy": 0.95, "auto": True}
    per_seed = [{"seed": s, "accuracy": 0.95 + s / 100, "epochs": 2 + s, "warm_up_seconds": 0.5} for s in range(3)]
    return {"machine_info": {"machine": "x86_64", "processor": "", "system": "Linux", "release": "6.1",
                             "python_version": "3.11.7", "cpu": {"brand_raw": "Test CPU", "count": 2}},
            "commit_info": {"id": "0123456789abcdef", "dirty": dirty}, "datetime": "2026-11-24T12:00:00",
            "version": "5.3.1", "command": "pytest benchmarks/ --quick",
            "benchmarks": [
                bench_entry("train-epoch dense cpu 3-groups", "torch", 1.5, **floor),
                bench_entry("train-epoch dense cpu 3-groups", "tf", 1.0, **floor),
                bench_entry("train-epoch sparse cpu 3-groups", "torch", 0.12, **floor),
                bench_entry("train-epoch bag cpu 3-groups", "torch", 0.1, **floor),
                bench_entry("train-epoch bag cpu 3-groups", "torch-host-fed", 0.11, **{**floor, "auto": False}),
                bench_entry("train-epoch sparse cpu 3-groups", "tf", 0.3, **floor),
                bench_entry("train-epoch bag cpu 3-groups", "tf-xla-padded", 0.2, **floor),
                bench_entry("train-epoch sparse cpu 3-groups", "sklearn-mlp", 0.6, **{**floor, "auto": False}),
                bench_entry("inference sparse cpu", "torch", 0.03, first_seconds=0.1, accuracy=0.9, auto=True),
                bench_entry("inference sparse cpu", "tf", 0.06, first_seconds=0.1, accuracy=0.9, auto=True),
                bench_entry("data load", "cached 3-groups", 0.4),
                bench_entry("time-to-accuracy 0.97 clean cpu 3-groups", "torch", 2.0, target=0.97, reached=True,
                            per_seed=per_seed, accuracy=0.95, auto=True),
                bench_entry("accuracy clean 3-groups with metadata", "torch", 1.0, per_seed=per_seed, auto=True),
                bench_entry("accuracy clean 3-groups with metadata", "tf", 1.5, per_seed=per_seed, auto=True),
                bench_entry("accuracy clean 3-groups with metadata", "linear", 1.0, per_seed=per_seed, accuracy=0.97),
                *scaling_entries("cpu", 1.0),
            ]}


def synthetic_gpu_bench():
    """The same suite's GPU cases from another machine: PyTorch only, a GPU named in every row."""
    gpu = "NVIDIA Test GPU"
    floor = {"optimizer_floor_seconds": 0.001, "first_seconds": 1.0, "accuracy": 0.95, "peak_device_mb": 512.0,
             "auto": True}
    bench = synthetic_bench()
    bench["machine_info"]["cpu"] = {"brand_raw": "Host CPU", "count": 16}
    bench["benchmarks"] = [
        bench_entry("train-epoch dense gpu 3-groups", "torch", 0.015, device=gpu, **floor),
        bench_entry("train-epoch dense gpu 20-groups", "torch", 0.25, device=gpu, **floor),
        bench_entry("train-epoch bag gpu 3-groups", "torch", 0.012, device=gpu, **floor),
        bench_entry("train-epoch bag gpu 3-groups", "torch-graph", 0.009, device=gpu, **{**floor, "auto": False}),
        bench_entry("inference dense gpu", "torch", 0.018, device=gpu, first_seconds=0.1, accuracy=0.9, auto=True),
        *[e for e in scaling_entries(gpu, 20.0) if e["extra_info"]["framework"] == "torch"],
    ]
    return bench


def assert_complete(report_dir, sections=SECTIONS):
    text = (report_dir / "report.md").read_text()
    for section in sections:
        assert section in text, section
    table_rows = [line for line in text.splitlines() if line.startswith("|") and not line.startswith("|---")]
    assert len(table_rows) >= 8
    for row in table_rows[1:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        header = not any(re.search(r"\d", cell) for cell in cells)
        assert header or all(cells), f"empty cell in {row!r}"
    shown = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    expected = set(SCALING_FIGURES if "## Scaling" in sections else ()) | ({"headline_ratios.png"} if "## Headline" in
                                                                           sections else set())
    assert expected <= set(shown) and sorted(shown) == sorted(p.name for p in report_dir.glob("*.png"))
    for name in shown:  # every figure written is shown, and none is blank
        image = matplotlib.image.imread(report_dir / name)
        assert image.shape[0] > 100 and image.shape[1] > 100 and np.ptp(image[..., :3]) > 0.5, name


@pytest.fixture(scope="module")
def records(request, tiny_archive, tmp_path_factory):
    """Run records on the tiny archive: the suite's one short compare where both frameworks are installed,
    else a short training of the one that is."""
    if len(FRAMEWORKS_HERE) == 2:
        return request.getfixturevalue("tiny_compare")[1]
    folder = tmp_path_factory.mktemp("records")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSGROUPS_ARCHIVE", str(tiny_archive))
        patch.setenv("SCIKIT_LEARN_DATA", str(tmp_path_factory.mktemp("data")))
        assert main(["train", "--framework", FRAMEWORKS_HERE[0], *TINY, "--out", str(folder / "run.json")]) == 0
    return folder


def known_interval(per_process):
    """What the report must give for these per-process ratios: their geometric mean, and Student t's 95 %
    interval on their logs, from scipy."""
    low, high = scipy_stats.ttest_1samp(np.log(per_process), 0).confidence_interval(0.95)
    return f"{scipy_stats.gmean(per_process):.2f}× ({np.exp(low):.2f}–{np.exp(high):.2f}"


@pytest.mark.slow
def test_report_from_benchmark_and_records_is_complete_and_repeatable(tmp_path, records):
    run = write_run(tmp_path / "run", synthetic_run())
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        write_report([run, records], out)
        assert_complete(out)
    for name in ("report.md", *FIGURES, "headline_ratios.png"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    text = (first / "report.md").read_text()
    machine = "Test CPU, 2 cores"
    def target(claim, bound, value, met, n="3 processes × 3 rounds", where=machine):
        return re.search(rf"\| {re.escape(claim)} \| {bound} \| {value} \| [\d.]+ – [\d.]+ \| {n} \| {met} \| {where} \|", text)
    # PyTorch's rows are alike in every process: a ratio of two of them has no spread, so its verdict is sure
    assert target("PyTorch: tutorial dense epoch ÷ auto-step clean bag epoch", "≥ 10", "15", "met")
    assert target("PyTorch: auto-step clean bag epoch ÷ optimizer floor", "≤ 3", "2", "met")
    # TensorFlow's 0.2 s against a 0.05 s floor, ±5 % between processes: the interval straddles the bound
    assert target("TensorFlow: auto-step clean bag epoch ÷ optimizer floor", "≤ 4", "4", "undecided at 3 processes")
    assert target("scikit-learn MLPClassifier (sparse) ÷ TensorFlow auto-step clean bag epoch", "≥ 2.5", "3", "met")
    assert target("TensorFlow ÷ PyTorch, auto-step clean bag epochs", "≤ 2", "2", "undecided at 3 processes")
    assert target("TensorFlow ÷ PyTorch, test-split prediction (sparse)", "≤ 4", "2", "met")
    # the trainings pair seeds; a training from scratch pays its compile: (1.5 + 0.5) ÷ (1 + 0.5) s a seed
    assert target("TensorFlow ÷ PyTorch, 10-epoch training on 3 groups (compile left out)", "≤ 2.5", "1.5", "met",
                  n="3 processes × 3 rounds")
    assert target("TensorFlow ÷ PyTorch, 10-epoch training on 3 groups (compile included)", "≤ 2.5", "1.33", "met")
    assert "| train-epoch bag cpu 3-groups | tf-xla-padded | Test CPU, 2 cores | 0.2000 |" in text
    # its ratios to PyTorch's auto row and to the floor: known per-process values, known intervals
    spread = np.array(TF_SPREAD)
    assert f"| {known_interval(2 * spread)}; 3 processes × 3 rounds) | {known_interval(4 * spread)}; 3 processes × 3 rounds) |" in text
    half = 100 * (np.exp(scipy_stats.t.ppf(0.975, 2) * scipy_stats.sem(np.log(spread))) - 1)
    assert f"| clean bag epoch, 3 groups | 0.1 | 0.2 | {known_interval(2 * spread)}; 3 processes × 3 rounds) | ±{half:.0f} % |" in text
    tables = sorted(path.name for path in first.glob("*.csv"))
    assert tables == sorted(path.name for path in second.glob("*.csv")) and {
        "environment.csv", "speed.csv", "targets.csv", "scaling.csv", "accuracy.csv"} <= set(tables)
    for name in tables:  # every table also as CSV, the same cells
        assert (first / name).read_text() == (second / name).read_text()
    section = text.split("## Targets")[1].split("\n## ")[0]
    markdown = [[cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines()
                if line.startswith("|") and not line.startswith("|---")]
    with open(first / "targets.csv", newline="") as table_file:
        assert list(csv.reader(table_file)) == markdown
    assert "Test CPU" in text and "0123456789" in text and "`git checkout 0123456789 && pytest benchmarks/ --quick`" in text
    assert "| processes | 3 (each a fresh pytest process" in text
    # the scaling table: slopes of the synthetic power laws, one line per framework, form and device
    assert "| batch | PyTorch bag, CPU (Test CPU, 2 cores) | 1.00 | 3 | 4,096 | 900 |" in text
    assert "| vocab | TensorFlow dense, CPU (Test CPU, 2 cores) | 0.50 | 3 | 115,656 | 900 |" in text


def test_one_process_gives_ratios_but_no_interval_and_no_verdict(tmp_path):
    write_report([write_run(tmp_path / "run", synthetic_run(processes=1))], tmp_path / "rep")
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "| PyTorch: tutorial dense epoch ÷ auto-step clean bag epoch | ≥ 10 | 15 | n/a | 1 process × 3 rounds | one run: no interval |" in text
    assert not re.search(r"\| (not )?met \| Test CPU", text) and "undecided" not in text
    assert "| 2.00× (one run: no interval; 1 process × 3 rounds) |" in text


def test_a_report_takes_one_commit_per_machine(tmp_path, capsys):
    run = synthetic_run(processes=2)
    run[1]["commit_info"] = {"id": "fedcba9876543210", "dirty": False}
    assert main(["report", str(write_run(tmp_path / "run", run)), "--out", str(tmp_path / "rep")]) == 1
    assert "come from 2 commits (0123456789, fedcba9876)" in capsys.readouterr().err


@pytest.mark.parametrize("later_spread, agreeing", [(TF_SPREAD, "all"), ((2.0, 2.1, 1.9), "none")])
def test_the_reproduction_check_says_which_ratios_an_earlier_run_reproduces(tmp_path, capsys, later_spread, agreeing):
    earlier = write_run(tmp_path / "earlier", synthetic_run())
    later = write_run(tmp_path / "later", synthetic_run(tf_spread=later_spread))
    assert main(["report", str(later), "--out", str(tmp_path / "rep"), "--against", str(earlier)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    judged = re.fullmatch(r"reproduced: (\d+) of (\d+) TensorFlow ÷ PyTorch ratios agree with the earlier run", last)
    assert judged and int(judged[2]) >= 8, last
    # the same run twice agrees everywhere; TensorFlow twice as slow in every process agrees nowhere
    assert int(judged[1]) == (int(judged[2]) if agreeing == "all" else 0), last
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "## Reproduction" in text and "train-epoch bag cpu 3-groups: tf-xla-padded ÷ torch" in text


def shifted_run(shift, hour):
    """A synthetic run at another time whose TensorFlow rows are all `shift` times slower."""
    run = synthetic_run(tf_spread=[shift * s for s in TF_SPREAD])
    for bench in run:
        bench["datetime"] = f"2026-11-24T{hour:02d}:00:00"
    return run


@pytest.mark.parametrize("shifts, agreeing", [(None, False), ((1.0, 1.0, 1.0), False), ((0.85, 1.0, 1.12, 1.3), True)])
def test_history_adds_the_spread_between_runs_to_the_reproduction_check(tmp_path, capsys, shifts, agreeing):
    """A later run 15 % slower in every process differs from the earlier one by its processes' errors alone, and
    with a history that did not move; with a history that moved as much between runs, it agrees, each interval
    saying how many runs it rests on. The compared runs are left out of the history they are given with."""
    earlier = write_run(tmp_path / "earlier", shifted_run(1.0, 1))
    later = write_run(tmp_path / "later", shifted_run(1.15, 2))
    args = ["report", str(later), "--out", str(tmp_path / "rep"), "--against", str(earlier)]
    if shifts:
        for index, shift in enumerate(shifts):
            write_run(tmp_path / "history" / f"run{index}", shifted_run(shift, 3 + index))
        write_run(tmp_path / "history" / "earlier", shifted_run(1.0, 1))  # the earlier run again: not counted
        args += ["--history", str(tmp_path / "history")]
    assert main(args) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    agreed, judged = map(int, re.fullmatch(r"reproduced: (\d+) of (\d+) .*", last).groups())
    assert agreed == (judged if agreeing else 0), last
    text = (tmp_path / "rep" / "report.md").read_text()
    if not shifts:
        assert "the spread of" not in text
        return
    runs = f"+ the spread of {len(shifts)} runs)"
    reproduction = text.split("## Reproduction")[1].split("\n| ")[2:]
    assert reproduction and all(row.count(runs) == 2 for row in reproduction)  # both runs' errors widened
    headline = text.split("## Headline")[1].split("## ")[0]
    assert runs in headline and runs[:-1] in text.split("## Targets")[1].split("## ")[0]  # its n column


@pytest.mark.slow
def test_report_sets_a_gpu_run_beside_a_cpu_run(tmp_path, records):
    cpu = write_run(tmp_path / "cpu", synthetic_run())
    gpu = tmp_path / "gpu"
    gpu.mkdir()
    for index, scale in enumerate((1.0, 1.02)):  # two processes, the second 2 % slower
        bench = synthetic_gpu_bench()
        for b in bench["benchmarks"]:
            b["stats"] = {**b["stats"], "data": [t * scale for t in b["stats"]["data"]], "median": b["stats"]["median"] * scale}
        (gpu / f"bench-{index}.json").write_text(json.dumps(bench))
    cpu_only = synthetic_bench()  # a headline-only process on the GPU machine: it timed CPU cases alone
    cpu_only["machine_info"]["cpu"] = {"brand_raw": "Host CPU", "count": 16}
    cpu_only["benchmarks"] = [b for b in cpu_only["benchmarks"] if not b["group"].startswith("scaling")]
    (gpu / "bench-2.json").write_text(json.dumps(cpu_only))
    out = tmp_path / "rep"
    assert main(["report", str(cpu), str(gpu), "--out", str(out)]) == 0
    assert_complete(out)
    text = (out / "report.md").read_text()
    gpu_machine = "NVIDIA Test GPU (Host CPU, 16 cores)"
    assert f"| machine ({gpu_machine}) | {gpu_machine} |" in text and "| Host CPU, 16 cores |" not in text  # one machine
    assert f"| train-epoch bag gpu 3-groups | torch-graph | {gpu_machine} | 0.0091 |" in text
    assert "| train-epoch bag cpu 3-groups | torch | Test CPU, 2 cores | 0.1000 |" in text
    for claim, bound, value in (("auto-step clean bag epoch, s", "≤ 0.01", "0.0121"), ("all-20 dense epoch, s", "≤ 0.3", "0.252")):
        verdict_here = "not met" if "bag" in claim else "met"
        assert re.search(rf"\| PyTorch on the GPU: {claim} \| {bound} \| {value} \| [\d.]+ – [\d.]+ \| 2 processes × 3 rounds \| "
                         rf"{verdict_here} \| {re.escape(gpu_machine)} \|", text), claim
    assert "device 512" in text and "host +900" in text  # each case's own memory
    # bag on the GPU: 0.05/20 s of overhead plus value/20 ms, against value ms on the CPU: the GPU is faster at
    # every batch size measured, resolved by both runs' processes (Welch: two machines share no process)
    assert "batch size: PyTorch bag on NVIDIA Test GPU is faster than on the CPU of Test CPU, 2 cores at every batch size measured" in text


@pytest.mark.parametrize("per_process, target, expected", [
    ([1.0, 1.01, 0.99, 1.0, 1.02], ("≤", 1.5), "met"),
    ([1.0, 1.01, 0.99, 1.0, 1.02], ("≤", 0.5), "not met"),
    ([0.9, 1.1, 0.95, 1.05, 1.0], ("≤", 1.0), "undecided at 5 processes"),
    ([2.9, 3.0, 3.1], ("≥", 2.0), "met"),
    ([3.0], ("≥", 2.0), "one run: no interval"),
])
def test_a_target_is_met_only_when_its_whole_interval_is(per_process, target, expected):
    assert verdict(target, ratio_over_processes(per_process, rounds=5)) == expected


def test_uncommitted_changes_are_marked_on_the_first_line(tmp_path):
    first_lines = {}
    for dirty in (False, True):
        bench = tmp_path / f"bench-{dirty}.json"
        bench.write_text(json.dumps(synthetic_bench(dirty=dirty)))
        write_report([bench], tmp_path / f"rep-{dirty}")
        first_lines[dirty] = (tmp_path / f"rep-{dirty}" / "report.md").read_text().splitlines()[0]
    assert first_lines[False] == "# newsgroups-mlp: PyTorch and TensorFlow side by side"
    assert first_lines[True].startswith("> **Made from uncommitted changes** (on top of commit 0123456789)")


@pytest.mark.slow
def test_compare_writes_a_report(records):
    assert_complete(records, [s for s in SECTIONS if s not in ("## Headline", "## Targets", "## Scaling")])  # need a benchmark run
    text = (records / "report.md").read_text()
    assert "`newsgroups-mlp compare --recipe" in text  # the command that trains these records again


def test_report_refuses_what_it_cannot_read(tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}')
    assert main(["report", str(junk), "--out", str(tmp_path / "rep")]) == 1
    assert "neither a pytest-benchmark JSON nor a newsgroups-mlp run record" in capsys.readouterr().err
    assert not (tmp_path / "rep" / "report.md").exists()


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("NEWSGROUPS_BENCH_JSON"), reason="NEWSGROUPS_BENCH_JSON names no benchmark run")
def test_report_from_the_real_benchmark_run(tmp_path, records):
    write_report([os.environ["NEWSGROUPS_BENCH_JSON"], records], tmp_path)
    source = Path(os.environ["NEWSGROUPS_BENCH_JSON"])
    processes = sorted(source.glob("*.json")) if source.is_dir() else [source]
    smoke = any(json.loads(p.read_text()).get("quick") for p in processes)  # CI's: no headline, no targets
    assert_complete(tmp_path, [s for s in SECTIONS if not smoke or s not in ("## Headline", "## Targets")])
    text = (tmp_path / "report.md").read_text()
    assert text.startswith("> **Smoke run**") == smoke
    for group in ("train-epoch", "inference", "time-to-accuracy", "data load", "data vectorize", "accuracy"):
        assert f"| {group}" in text, group
    for axis in ("batch", "hidden", "vocab"):
        assert f"| {axis} | PyTorch bag, CPU" in text and f"| {axis} | TensorFlow dense, CPU" in text, axis
    allocator = json.loads(processes[0].read_text())["host_allocator"]  # what the benchmark's processes ran under
    assert f"| host allocator | {allocator} |" in text
    alone = [p for p in processes if len(json.loads(p.read_text()).get("frameworks_imported") or []) == 1]
    pairs = len(alone) // 2  # make bench's: each framework alone in its process, two files to a process here
    assert f"| processes | {len(processes) - pairs} (each a {'pair of fresh pytest processes' if pairs else 'fresh pytest process'}" in text

    def holding(group):  # the processes (pairs) whose files hold the group
        return sum(any(b["group"] == group for b in json.loads(p.read_text())["benchmarks"]) for p in processes
                   if p not in alone or "torch" in json.loads(p.read_text())["frameworks_imported"])
    # the headline cases ran, interleaved, in every process but the predictions' own (which hold nothing else):
    # each ratio rests on all the processes that hold its group
    assert holding("inference bag cpu") == len(processes) - pairs > holding("train-epoch bag cpu 3-groups")
    for group, variant in (("train-epoch bag cpu 3-groups", "tf-xla-padded"), ("inference bag cpu", "tf")):
        assert re.search(rf"\| {group} \| {variant} \| [^|]+ \| [\d.]+ \| [\d.]+ \| {holding(group)} process", text), group
    assert "Warm-up check: the first timed round was its row's slowest in" in text


def test_a_smoke_run_says_so_on_its_first_line_and_gives_no_ratio(tmp_path):
    run = synthetic_run()
    for bench in run:
        bench["quick"] = True
    write_report([write_run(tmp_path / "run", run)], tmp_path / "rep")
    text = (tmp_path / "rep" / "report.md").read_text()
    assert text.startswith("> **Smoke run**")
    assert "## Headline" not in text and "## Targets" not in text and not re.search(r"\d\.\d\d×", text)
    assert not (tmp_path / "rep" / "headline_ratios.png").exists()


def test_a_ratio_resting_on_a_process_that_ran_on_a_busy_machine_is_marked(tmp_path):
    run = synthetic_run()
    quiet = {"wall_seconds": 100.0, "own_cpu_seconds": 190.0, "others_cpu_seconds": 2.0, "others_share": 0.01,
             "load_before": [0.1, 0.1, 0.1], "load_after": [2.0, 1.0, 0.5], "cores": 2, "cpu": "Test CPU",
             "cpu_mhz_before": 2600, "cpu_mhz_after": 2600}
    for index, bench in enumerate(run):
        bench["machine_state"] = {**quiet, **({"others_share": 0.4, "others_cpu_seconds": 80.0} if index == 1 else {})}
    write_report([write_run(tmp_path / "run", run)], tmp_path / "rep")
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "| CPU others took while it ran | process 1: 1%, its own CPU 1.90× wall" in text
    assert "process 2: 40% (busy)" in text
    headline = text.split("## Headline")[1].split("\n## ")[0]
    assert headline.count("‡ busy machine: process 2") == headline.count("| AMD") + headline.count("| Test CPU") > 0
    for bench in run:
        bench["machine_state"] = quiet
    write_report([write_run(tmp_path / "quiet", run)], tmp_path / "rep2")
    assert "‡ busy" not in (tmp_path / "rep2" / "report.md").read_text()


def test_the_figures_are_what_there_is_to_draw_the_headline_as_a_forest_plot(tmp_path):
    """No empty figure: without run records no loss curves; the headline's ratios drawn with their intervals,
    the same numbers as headline_ratios.csv."""
    write_report([write_run(tmp_path / "run", synthetic_run())], tmp_path / "rep")
    rep = tmp_path / "rep"
    text = (rep / "report.md").read_text()
    assert not (rep / "loss_curves.png").exists() and "loss_curves.png" not in text
    assert (rep / "headline_ratios.png").stat().st_size > 1000 and "![headline ratios](headline_ratios.png)" in text
    with open(rep / "headline_ratios.csv", newline="") as table_file:
        rows = list(csv.reader(table_file))
    assert rows[0] == ["TensorFlow ÷ PyTorch", "ratio", "low", "high", "n", "machine"]
    bag = next(r for r in rows if r[0] == "clean bag epoch, 3 groups")
    assert float(bag[2]) < float(bag[1]) < float(bag[3]) and float(bag[1]) == pytest.approx(2.0, rel=1e-3)


def test_processes_of_each_framework_alone_pair_into_one_run(tmp_path):
    """`--frameworks torch` and `--frameworks tf` processes (each never importing the other): the i-th of each read
    as one process, so the headline ratios come out as from processes running both, over as many processes."""
    both = synthetic_run()
    alone = []
    for bench in both:
        for framework, module in (("torch", "torch"), ("tf", "tensorflow")):
            rows = [b for b in bench["benchmarks"] if b["extra_info"]["variant"].split()[0].split("-")[0] == framework]
            alone.append({**bench, "benchmarks": rows, "frameworks_imported": [module],
                          "command": f"pytest benchmarks/ --frameworks {framework}"})
    write_report([write_run(tmp_path / "both", both)], tmp_path / "rep-both")
    write_report([write_run(tmp_path / "alone", alone)], tmp_path / "rep-alone")
    headline = [(tmp_path / rep / "headline_ratios.csv").read_text() for rep in ("rep-both", "rep-alone")]
    assert headline[0] == headline[1] and "3 processes" in headline[1]
    text = (tmp_path / "rep-alone" / "report.md").read_text()
    assert "| processes | 3 (each a pair of fresh pytest processes, each framework alone in its own" in text and "--frameworks torch; pytest benchmarks/ --frameworks tf" in text
    with pytest.raises(UserError, match="3 benchmark files of PyTorch alone and 2 of TensorFlow alone"):  # one lost
        write_report([write_run(tmp_path / "lost", alone[:-1])], tmp_path / "rep-lost")


def test_records_of_one_epoch_give_a_report_with_no_epoch_figure(tmp_path, records):
    """A one-epoch run has no steady epoch: the report draws no epoch figure, rather than failing on an empty one."""
    short = tmp_path / "short"
    short.mkdir()
    for path in sorted(records.glob("*.json")):
        record = json.loads(path.read_text())
        record["epoch_seconds"] = record["epoch_seconds"][:1]
        (short / path.name).write_text(json.dumps(record))
    write_report([short], tmp_path / "rep")
    assert (tmp_path / "rep" / "loss_curves.png").exists() and not (tmp_path / "rep" / "epoch_times.png").exists()
