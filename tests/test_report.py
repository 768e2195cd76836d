"""newsgroups-mlp report: complete tables, real images, the same bytes from the same inputs.

With NEWSGROUPS_BENCH_JSON set (CI sets it after its short benchmark run), the report built from
that real benchmark file is checked too."""

import json
import os
import re

import matplotlib.image
import numpy as np
import pytest

from shared.cli import main
from shared.report import FIGURES, write_report
from tests.conftest import FRAMEWORKS_HERE

SECTIONS = ("## Environment", "## Speed", "## Ratios", "## Accuracy", "## Figures")


def stats(median, rounds=3):
    return {"min": median * 0.9, "max": median * 1.1, "mean": median, "stddev": median * 0.05, "rounds": rounds,
            "median": median, "iqr": median * 0.1, "q1": median * 0.95, "q3": median * 1.05, "iterations": 1}


def bench_entry(group, variant, median, **info):
    return {"group": group, "name": f"test[{variant}]", "fullname": f"benchmarks/x.py::test[{variant}]",
            "params": {}, "stats": stats(median),
            "extra_info": {"variant": variant, "threads": 2, "device": "cpu", "docs": 1774,
                           "docs_per_second": 1774 / median, "versions": {"torch": "2.13.0"}, **info}}


def synthetic_bench():
    """A benchmark JSON in pytest-benchmark's layout with one entry of every group the suite makes."""
    floor = {"optimizer_floor_seconds": 0.05, "first_seconds": 1.0, "accuracy": 0.95}
    per_seed = [{"seed": s, "accuracy": 0.95 + s / 100, "epochs": 2 + s} for s in range(5)]
    return {"machine_info": {"machine": "x86_64", "processor": "", "system": "Linux", "release": "6.1",
                             "python_version": "3.11.7", "cpu": {"brand_raw": "Test CPU", "count": 2}},
            "commit_info": {"id": "0123456789abcdef", "dirty": False}, "datetime": "2026-11-24T12:00:00",
            "version": "5.3.1",
            "benchmarks": [
                bench_entry("train-epoch dense cpu 3-groups", "torch", 1.5, **floor),
                bench_entry("train-epoch dense cpu 3-groups", "tf", 1.0, **floor),
                bench_entry("train-epoch sparse cpu 3-groups", "torch", 0.12, **floor),
                bench_entry("train-epoch sparse cpu 3-groups", "tf", 0.1, **floor),
                bench_entry("train-epoch sparse cpu 3-groups", "sklearn-mlp", 0.6, **floor),
                bench_entry("inference sparse cpu", "torch", 0.03, first_seconds=0.1, accuracy=0.9),
                bench_entry("data load", "cached 3-groups", 0.4),
                bench_entry("time-to-accuracy 0.95 sparse cpu 3-groups", "torch", 2.0, target=0.95, reached=True,
                            per_seed=per_seed, accuracy=0.95),
                bench_entry("accuracy clean sparse cpu 3-groups", "linear", 1.0, per_seed=per_seed, accuracy=0.97),
            ]}


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
    for name in FIGURES:
        assert f"]({name})" in text
        image = matplotlib.image.imread(report_dir / name)
        assert image.shape[0] > 100 and image.shape[1] > 100 and np.ptp(image[..., :3]) > 0.5, name


@pytest.fixture(scope="module")
def records(tiny_archive, tmp_path_factory):
    """Run records of a short compare on the tiny archive (both frameworks where installed)."""
    folder = tmp_path_factory.mktemp("records")
    env = {"NEWSGROUPS_ARCHIVE": str(tiny_archive), "SCIKIT_LEARN_DATA": str(tmp_path_factory.mktemp("data"))}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        command = ["compare"] if len(FRAMEWORKS_HERE) == 2 else ["train", "--framework", FRAMEWORKS_HERE[0]]
        out = folder if command == ["compare"] else folder / "run.json"
        assert main([*command, "--epochs", "3", "--batch-size", "16", "--device", "cpu", "--out", str(out)]) == 0
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return folder


def test_report_from_benchmark_and_records_is_complete_and_repeatable(tmp_path, records):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps(synthetic_bench()))
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        write_report([bench, records], out)
        assert_complete(out)
    for name in ("report.md", *FIGURES):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    text = (first / "report.md").read_text()
    assert "| PyTorch: dense epoch ÷ sparse epoch | ≥ 10 | 12.50 | yes |" in text
    assert "| slower ÷ faster framework, sparse epoch | ≤ 2 | 1.20 | yes |" in text
    assert "Test CPU" in text and "0123456789" in text


def test_compare_writes_a_report(records):
    assert_complete(records, [s for s in SECTIONS if s != "## Ratios"])  # ratios need a benchmark run


def test_report_refuses_what_it_cannot_read(tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}')
    assert main(["report", str(junk), "--out", str(tmp_path / "rep")]) == 1
    assert "neither a pytest-benchmark JSON nor a newsgroups-mlp run record" in capsys.readouterr().err
    assert not (tmp_path / "rep" / "report.md").exists()


@pytest.mark.skipif(not os.environ.get("NEWSGROUPS_BENCH_JSON"), reason="NEWSGROUPS_BENCH_JSON names no benchmark run")
def test_report_from_the_real_benchmark_run(tmp_path, records):
    write_report([os.environ["NEWSGROUPS_BENCH_JSON"], records], tmp_path)
    assert_complete(tmp_path)
    text = (tmp_path / "report.md").read_text()
    for group in ("train-epoch", "inference", "time-to-accuracy", "data load", "data vectorize", "accuracy"):
        assert f"| {group}" in text, group
