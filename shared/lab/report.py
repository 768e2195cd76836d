"""report.md and its figures, from pytest-benchmark JSON files (one or more machines, each machine's files the
processes of one run: shared/lab/runs.py) and/or run records; with --against, whether an earlier run's
TensorFlow ÷ PyTorch ratios are reproduced; with --history, other runs of the machine whose spread between
runs each TensorFlow ÷ PyTorch interval takes in (shared/lab/stats.py).

Everything in the report comes from its inputs (no clock, no look at this machine), so the same
inputs give the same files.
"""

import csv
import io
import json
import re
import shlex
from collections import defaultdict
from pathlib import Path

import numpy as np

from shared.errors import UserError
from shared.lab.figures import FIGURES, accuracy_figure, epoch_figure, loss_figure, ratio_figure, scaling_figure
from shared.lab.files import written_together
from shared.lab.record import record_from
from shared.lab.machine import was_busy
from shared.lab.runs import (auto_row, busy_mark, median_seed_seconds, merged_rows, process_counts, ratio, seed_ratio, tf_over_torch,
                         variant, with_spreads)
from shared.config import FRAMEWORK_NAMES, FRAMEWORKS
from shared.lab.scaling import AXES, crossovers, slopes
from shared.lab.stats import FEWEST_RUNS, agree, paired_difference, sample_std, unpaired_difference

RATIO_FIGURE = "headline_ratios.png"
CLEAN_GROUP = "train-epoch bag cpu 3-groups"  # the clean recipe's own form
DENSE_GROUP = "train-epoch dense cpu 3-groups"


def load_inputs(paths, option=None):
    """([benchmark JSON], [RunRecord]) from files and folders of *.json; each benchmark row gets the
    label of the machine it ran on."""
    benches, records = [], []
    files = [f for p in map(Path, paths) for f in (sorted(p.glob("*.json")) if p.is_dir() else [p])]
    for path in files:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise UserError(f"cannot read {path}: {error}") from None
        if isinstance(data, dict) and "benchmarks" in data:
            benches.append(data)
        elif isinstance(data, dict) and "step_losses" in data:
            records.append(record_from(data, path))
        else:
            raise UserError(f"{path} is neither a pytest-benchmark JSON nor a newsgroups-mlp run record")
    if not benches and not records:
        if option:
            raise UserError(f"{option} {' '.join(map(str, paths))}: no benchmark JSON or run record there")
        raise UserError("nothing to report: give a --benchmark-json file and/or run records")
    benches = paired_alone(benches)
    gpus = defaultdict(set)  # a host's GPUs, over all its files: a GPU machine's headline-only processes time none
    for bench in benches:
        gpus[host_label(bench)] |= {b["extra_info"].get("device") for b in bench["benchmarks"]} - {"cpu", None}
    for bench in benches:
        host = host_label(bench)
        bench["label"] = f"{', '.join(sorted(gpus[host]))} ({host})" if gpus[host] else host
        for b in bench["benchmarks"]:
            b["machine"] = bench["label"]
    return benches, records


def paired_alone(benches):
    """Processes that each imported one framework alone (`pytest benchmarks/ --frameworks torch`, then `tf`): the
    i-th of PyTorch's and the i-th of TensorFlow's read as one process, their rows side by side, so a ratio between
    the two is taken as in any run (each framework never sharing its process with the other's threads). Left as
    they are unless both frameworks have as many such processes."""
    alone = defaultdict(list)
    for bench in benches:
        imported = bench.get("frameworks_imported")
        if imported is not None and len(imported) == 1:
            alone[imported[0]].append(bench)
    torch, tf = alone.get("torch", []), alone.get("tensorflow", [])
    if not torch or not tf:
        return benches
    if len(torch) != len(tf):
        raise UserError(f"{len(torch)} benchmark files of PyTorch alone and {len(tf)} of TensorFlow alone: they pair "
                        "one to one (make bench's process-N-torch.json and process-N-tf.json), so a pair has lost one")
    paired = [{**t, "benchmarks": t["benchmarks"] + f["benchmarks"], "command": f"{t['command']}; {f['command']}", "pair": True,
               "machine_state": max((t.get("machine_state"), f.get("machine_state")),
                                    key=lambda state: (state or {}).get("others_share") or 0.0)}
              for t, f in zip(torch, tf)]
    alone_ids = {id(b) for b in torch + tf}
    return [b for b in benches if id(b) not in alone_ids] + paired


def host_label(bench):
    """'AMD EPYC, 2 cores': the machine a benchmark file ran on; a GPU it timed is named in front of it
    ('NVIDIA H200 (AMD EPYC, 16 cores)')."""
    machine = bench["machine_info"]
    return f"{machine.get('cpu', {}).get('brand_raw') or machine.get('processor') or machine['machine']}, " \
           f"{machine.get('cpu', {}).get('count', '?')} cores"


def run_folders(paths):
    """The runs in `paths`, each a list of benchmark files: a folder of JSON files is one run, a folder of such
    folders one run each, a file one run alone."""
    runs = []
    for path in map(Path, paths):
        if path.is_dir() and not any(path.glob("*.json")):
            runs += [[p] for p in sorted(path.iterdir()) if p.is_dir() and any(p.glob("*.json"))]
        else:
            runs.append([path])
    if not runs:
        raise UserError(f"no benchmark runs in {', '.join(map(str, paths))}")
    return runs


def process_ids(benches):
    """Each benchmark file's (commit, start time): what tells a process apart from every other."""
    return {(b.get("commit_info", {}).get("id"), b.get("datetime")) for b in benches}


def history_runs(history, *besides):
    """The runs of `history` (run_folders), each merged, but any sharing a process with `besides` (lists of
    benchmark files: the runs reported or compared, which are no history of themselves)."""
    skip = set().union(*(process_ids(b) for b in besides))
    runs = [benches for benches in (load_inputs(p)[0] for p in run_folders(history)) if benches]
    return [merged_rows(benches) for benches in runs if not process_ids(benches) & skip]


def merged_with_history(runs, history=()):
    """Each of `runs` (lists of benchmark files: the run reported, and the one it is checked against) merged, its
    TensorFlow ÷ PyTorch ratios carrying their spread between the `history` runs other than these."""
    spread_from = history_runs(history, *runs) if history else []
    if history and len(spread_from) < FEWEST_RUNS:
        raise UserError(f"--history gives {len(spread_from)} run{'s' * (len(spread_from) != 1)} besides the ones "
                        f"reported; a spread between runs needs {FEWEST_RUNS} or more (a folder of one run's files is "
                        "one run, a folder of such folders one run each)")
    return [with_spreads(merged_rows(benches), spread_from) for benches in runs]


def write_report(paths, out, against=(), history=()):
    """report.md, its figures and CSV tables in `out`; returns (its path, the reproduction line or None)."""
    benches, records = load_inputs(paths)
    if against:
        earlier_benches = load_inputs(against, "--against")[0]
        if not earlier_benches:
            raise UserError(f"--against {' '.join(map(str, against))}: only run records there; it compares "
                            "benchmark runs (pytest-benchmark JSON)")
    runs = merged_with_history([benches, earlier_benches] if against else [benches], history)
    rows, earlier = runs[0], (runs[1] if against else None)
    out = Path(out)
    tables = {}  # name -> (header, rows) of every table in the report, for its CSV files
    sections, line = report_sections(benches, records, rows, earlier, tables)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write to {out}: {error.strerror or error}") from None
    earlier_set = report_files(out / "report.md")
    with written_together(out, last="report.md") as staging:  # the new set replaces the old whole, or not at all
        figures = {}  # only what there is something to draw from: no empty figure
        if "headline_ratios" in tables:
            figures[RATIO_FIGURE] = ratio_figure(tables["headline_ratios"][1], staging / RATIO_FIGURE,
                                                 "the headline: TensorFlow ÷ PyTorch, each on its --step auto row")
        if records:
            figures[FIGURES[0]] = loss_figure(group_records(records), staging / FIGURES[0])
        if bench_rows(rows, "train-epoch") or epoch_bars(records):  # a one-epoch run has no steady epoch to draw
            figures[FIGURES[1]] = epoch_figure(bench_rows(rows, "train-epoch"), epoch_bars(records), staging / FIGURES[1])
        if accuracy_rows(rows, records):
            figures[FIGURES[2]] = accuracy_figure(accuracy_rows(rows, records), staging / FIGURES[2])
        for axis in AXES:
            points = bench_rows(rows, f"scaling {axis}")
            if points:
                figures[f"scaling_{axis}.png"] = scaling_figure(axis, points, staging / f"scaling_{axis}.png")
        files = [*figures, *(f"{name}.csv" for name in tables)]
        sections += ["## Figures\n\n" + "\n\n".join(f"![{name[:-4].replace('_', ' ')}]({name})" for name in figures) + "\n",
                     f"{FILES_MARK}{' '.join(files)} -->\n"]
        (staging / "report.md").write_text("\n".join(s for s in sections if s))
        for name, (header, cells) in tables.items():
            (staging / f"{name}.csv").write_text(csv_text(header, cells))
    for name in set(earlier_set) - set(files):  # an earlier report's figure or table this one does not have
        (out / name).unlink(missing_ok=True)
    return out / "report.md", line


FILES_MARK = "<!-- the report's files: "  # report.md's last line names its figures and tables, for the next report


def report_files(report):
    """The figures and tables an earlier report.md named (none for a report without that line, or none at all)."""
    try:
        text = report.read_text()
    except (OSError, UnicodeDecodeError):
        return []
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    named = last[len(FILES_MARK):].removesuffix("-->").split() if last.startswith(FILES_MARK) else []
    if "# newsgroups-mlp: PyTorch and TensorFlow side by side" in text:  # a report from before that line: its figures
        named += re.findall(r"!\[[^]]*\]\(([^)/]+\.png)\)", text)
    return [name for name in named if "/" not in name and name.endswith((".png", ".csv"))]


def report_sections(benches, records, rows, earlier, tables):
    """(report.md's sections but its figures, the reproduction line or None); each table's cells go to `tables`."""
    reproduction, line = reproduction_section(rows, earlier, tables) if earlier is not None else ("", None)
    smoke = any(bench.get("quick") for bench in benches)
    return [smoke_mark(smoke) + uncommitted_mark(benches, records), "# newsgroups-mlp: PyTorch and TensorFlow side by side",
            "", environment_section(benches, records, tables), "" if smoke else headline_section(rows, tables),
            speed_section(rows, records, tables, smoke), "" if smoke else targets_section(rows, tables),
            scaling_section(rows, tables), accuracy_section(rows, records, tables), reproduction], line


def report_tables(benches, records, history=()):
    """{name: (header, rows)}: the tables report.md would give for load_inputs' (benches, records), with --history
    `history`, nothing written."""
    tables = {}
    report_sections(benches, records, merged_with_history([benches], history)[0], None, tables)
    return tables


def smoke_mark(smoke):
    if smoke:
        return ("> **Smoke run** (`pytest benchmarks/ --quick`): three rounds a case, two seeds, to check that every "
                "case runs. No time or ratio here is a measurement: no headline, no targets, no ratios.\n")
    return ""


def uncommitted_mark(benches, records):
    dirty = [b["commit_info"].get("id", "?")[:10] for b in benches if b.get("commit_info", {}).get("dirty")]
    dirty += [r.machine.get("commit") or "?" for r in records if (r.machine or {}).get("dirty")]
    if dirty:
        return (f"> **Made from uncommitted changes** (on top of commit {', '.join(sorted(set(dirty)))}): these "
                f"figures belong to no commit. Not for citing; re-run from a clean checkout.\n")
    return ""


def table(header, rows, name, tables):
    """A markdown table; its cells are kept in tables[name], for NAME.csv beside report.md."""
    tables[name] = (header, [tuple(row) for row in rows])
    return markdown_table(header, rows) + "\n"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def csv_text(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def environment_section(benches, records, tables):
    rows = []
    runs = defaultdict(list)
    for bench in benches:
        runs[bench["label"]].append(bench)
    for label, processes in runs.items():
        bench = processes[0]
        machine, commit = bench["machine_info"], bench.get("commit_info", {})
        infos = [b["extra_info"] for p in processes for b in p["benchmarks"]]
        versions = {k: v for info in infos for k, v in info.get("versions", {}).items()}
        dates = sorted(p["datetime"][:19] for p in processes)
        commands = sorted({p.get("command", "pytest benchmarks/") for p in processes})
        orders = sorted({str(p["order_seed"]) for p in processes if "order_seed" in p})
        states = [(i + 1, p["machine_state"]) for i, p in enumerate(processes) if p.get("machine_state")]
        load = "; ".join(f"process {i}: {s['others_share']:.0%}{' (busy)' if was_busy(s) else ''}, "
                         f"its own CPU {s['own_cpu_seconds'] / max(s['wall_seconds'], 1e-9):.2f}× wall, "
                         f"load {s['load_before'][0]:.2f} → {s['load_after'][0]:.2f}, {s.get('cpu_mhz_before') or '?'} MHz"
                         for i, s in states if s.get("others_share") is not None)
        packages = next((p["packages"] for p in processes if p.get("packages")), None)
        named = f" ({label})" if len(runs) > 1 else ""
        rows += [(f"machine{named}", label),
                 ("processes", f"{len(processes)} (each a fresh pytest process; its JSON file one repeat of the run)"
                  if not any(p.get("pair") for p in processes)
                  else f"{len(processes)} (each a pair of fresh pytest processes, each framework alone in its own; "
                       "their JSON files one repeat of the run)"),
                 ("threads per framework", ", ".join(sorted({str(i["threads"]) for i in infos}))),
                 ("devices", ", ".join(sorted({str(i["device"]) for i in infos}))),
                 ("OS", f"{machine['system']} {machine['release']}"),
                 ("Python", machine["python_version"]),
                 ("libraries", ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))),
                 ("host allocator", bench.get("host_allocator", "not recorded")),
                 ("CPU others took while it ran", load or "not recorded"),
                 ("packages installed", f"{len(packages)}, each with its version in the JSON (packages)" if packages
                  else "not recorded"),
                 ("date", dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"),
                 ("round order seeds", ", ".join(orders) or "not recorded (variants ran one after another)"),
                 ("git commit", f"{commit.get('id', '?')}{' (uncommitted changes)' if commit.get('dirty') else ''}"),
                 ("reproduce", " and ".join(f"`git checkout {commit.get('id', '?')[:10]} && {c}`" for c in commands))]
    for source, group in group_records(records).items():
        r, m = group[0], group[0].machine or {}
        versions = {k: v for run in group for k, v in run.versions.items()}
        rows += [(f"runs: {source}", f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {r.threads} threads, "
                                     f"{r.device}, {m.get('os', '?')}, "
                                     + ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
                                     + f", {m.get('date', '?')}, commit {m.get('commit') or '?'}"
                                     + (" (uncommitted changes)" if m.get("dirty") else "")),
                 (f"reproduce: {source}", f"`{rerun_command(group)}`")]
    return "## Environment\n\n" + table(("", ""), rows, "environment", tables)


def rerun_command(group):
    """The newsgroups-mlp command that trains a group of records again."""
    r = group[0]
    seeds = sorted({run.seed for run in group})
    args = ["newsgroups-mlp", "compare", "--recipe", r.recipe, "--input", r.input, "--init", r.init,
            "--seed", ",".join(map(str, seeds)), "--epochs", str(r.epochs), "--batch-size", str(r.batch_size),
            "--hidden", str(r.hidden), "--lr", f"{r.lr:g}", "--adam-eps", f"{r.adam_eps:g}",
            "--dropout", f"{r.dropout:g}", "--categories", ",".join(r.categories), "--threads", str(r.threads)]
    if r.remove:
        args += ["--remove", ",".join(r.remove)]
    if r.step != "standard":
        args += ["--step", r.step]
    if r.deterministic:
        args.append("--deterministic")
    return shlex.join(args + ["--out", "DIR"])


def group_records(records):
    groups = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.recipe, r.input, r.init, r.framework, r.seed)):
        removed = f", without {'/'.join(r.remove)}" if r.remove else ""
        on = "" if r.evaluated_on == "test" else f", on {r.evaluated_on}"
        groups[f"{r.recipe} recipe{removed}, {len(r.categories)} groups, {r.input} input, init {r.init}, "
               f"{r.epochs} epochs{on}"].append(r)
    return groups


def bench_rows(rows, group_prefix):
    return [b for b in rows if b["group"].startswith(group_prefix)]


def clock_cell(info):
    """What a training row's clock holds, as the suite recorded it (older files: from batches_prebuilt alone)."""
    if "clock" in info:
        return info["clock"]
    if "batches_prebuilt" in info:
        return "the steps, on batches made before it" if info["batches_prebuilt"] else "making each batch, and the steps"
    return "n/a"


def first_round_check(rows):
    """(how many rows' first timed round, in a process, was their slowest; how many that would be if rounds were
    interchangeable; rows × processes counted): whether the warm-up before the clock was long enough."""
    found, expected, counted = 0, 0.0, 0
    for b in rows:
        for p in b["processes"]:
            if len(p["data"]) >= 3 and "per_seed" not in b["extra_info"]:
                found += p["data"][0] == max(p["data"])
                expected += 1 / len(p["data"])
                counted += 1
    return found, expected, counted


def speed_section(rows, records, tables, smoke=False):
    rows = [b for b in rows if not b["group"].startswith("scaling")]
    if rows:
        lines = []
        by_group = defaultdict(list)
        for b in rows:
            by_group[b["group"], b["machine"]].append(b)
        for group, machine in sorted(by_group):
            reference = auto_row(rows, group, "torch", machine)
            for b in sorted(by_group[group, machine], key=lambda b: b["stats"]["median"]):
                s, info = b["stats"], b["extra_info"]
                lines.append((group, variant(b), machine, f"{s['median']:.4f}", f"{s['iqr']:.4f}", process_counts(b),
                              f"{info['docs_per_second']:,.0f}" if info.get("docs_per_second") else "n/a",
                              "smoke run" if smoke else ratio_text(b, reference),
                              "smoke run" if smoke else
                              ratio(b, floor=True).text() if info.get("optimizer_floor_seconds") else "n/a",
                              f"{info['first_seconds']:.3f}" if "first_seconds" in info else "n/a",
                              memory_cell(info), clock_cell(info)))
        slowest, expected, counted = first_round_check(rows)
        return ("## Speed\n\nSeconds per round (one epoch, one test-split prediction, one load...), over every round "
                "of every process, warm-up excluded and shown apart. Ratios, each with its 95 % interval: to PyTorch's "
                "--step auto row of the group on the same machine (named in advance, never the fastest found), and for "
                "training to the optimizer-memory floor (the memory traffic of Adam's update, timed in the same process "
                "on the device that trains). A ratio is taken in each process (median ÷ median); its interval is a "
                "Student t over those per-process ratios (in logs), so one process gives none; a TensorFlow ÷ PyTorch "
                "ratio's takes in its spread between the --history runs too, where given. The case's own peak "
                "memory: what it added to the process's resident memory at its peak (host +), and the GPU's peak "
                "(device). The clock: what each training row's time holds. ‡: the ratio rests on a process that ran beside "
                "other work (Environment: the CPU others took), so part of it is theirs. Warm-up check: the first timed round was "
                f"its row's slowest in {slowest} of {counted} rows × processes, where {expected:.1f} would be if "
                "rounds were interchangeable.\n\n"
                + table(("group", "variant", "machine", "median s", "IQR s", "processes × rounds", "docs/s",
                         "÷ PyTorch auto", "× floor", "first round s", "peak memory MB", "clock holds"), lines, "speed",
                        tables))
    lines = [(source, name, f"{median:.4f}", f"{q3 - q1:.4f}", epochs, f"{docs / median:,.0f}", f"{first:.3f}")
             for source, name, median, q1, q3, epochs, docs, first in epoch_stats(records)]
    return ("## Speed\n\nSeconds per epoch from the run records (first epoch apart).\n\n"
            + table(("runs", "framework", "median s", "IQR s", "epochs", "docs/s", "first epoch s"), lines, "speed", tables))


def ratio_text(row, reference):
    if reference is None:
        return "n/a"
    if row is reference:
        return "1.00× (reference)"
    found = seed_ratio(row, reference) if row["extra_info"].get("per_seed") else ratio(row, reference)
    return found.text() + busy_mark(row, reference) if found else "n/a"


def memory_cell(info):
    host, device = info.get("peak_host_mb"), info.get("peak_device_mb")
    cells = ([f"host +{host:,.0f}"] if host is not None else []) + ([f"device {device:,.0f}"] if device is not None else [])
    return ", ".join(cells) or "n/a"


def row_of(rows, group, name, machine):
    return next((b for b in rows if b["group"] == group and variant(b) == name and b["machine"] == machine), None)


def verdict(target, found):
    """'met' only when the whole interval meets the target, 'not met' when none of it does; no verdict from
    one process."""
    if found.low is None:
        return "one run: no interval"
    sign, bound = target
    meets = (lambda v: v >= bound) if sign == "≥" else (lambda v: v <= bound)
    if meets(found.low) and meets(found.high):
        return "met"
    if not meets(found.low) and not meets(found.high):
        return "not met"
    return f"undecided at {found.processes} processes" + (f" and {found.runs} runs" if found.runs else "")


HEADLINE = (("clean bag epoch, 3 groups", "train-epoch bag cpu 3-groups", None),
            ("clean sparse epoch, 3 groups", "train-epoch sparse cpu 3-groups", None),
            ("predicting the test split, bag", "inference bag cpu", None),
            ("predicting the test split, sparse", "inference sparse cpu", None),
            ("10-epoch training, 3 groups, compile included", "accuracy clean 3-groups with metadata", True),
            ("10-epoch training, 3 groups, compile left out", "accuracy clean 3-groups with metadata", False),
            ("10-epoch training, 20 groups, compile included", "accuracy clean 20-groups with metadata", True),
            ("10-epoch training, 20 groups, compile left out", "accuracy clean 20-groups with metadata", False))


RATIO_HEADER = ("TensorFlow ÷ PyTorch", "ratio", "low", "high", "n", "machine")


def headline_section(rows, tables):
    """TensorFlow ÷ PyTorch on the rows the headline cites (the cases `pytest -m headline` runs), each framework on
    its --step auto row, with the interval's half-width as a share of the ratio. The same ratios as numbers go to
    tables["headline_ratios"] (headline_ratios.csv, and the forest plot drawn from it)."""
    lines, numbers = [], []
    for machine in sorted({b["machine"] for b in rows}):
        for label, group, compile_included in HEADLINE:
            torch, tf = (auto_row(rows, group, f, machine) for f in FRAMEWORKS)
            if torch is None or tf is None:
                continue
            found = seed_ratio(tf, torch, compile_included) if compile_included is not None else ratio(tf, torch)
            if found is None:
                continue
            width = f"±{100 * max(found.high / found.value - 1, 1 - found.low / found.value):.0f} %" \
                if found.low is not None else "n/a"
            seconds = [median_seed_seconds(row, compile_included) if compile_included is not None else row["stats"]["median"]
                       for row in (torch, tf)]
            lines.append((label, f"{seconds[0]:.4g}", f"{seconds[1]:.4g}", found.text() + busy_mark(tf, torch), width,
                          machine))
            numbers.append((label if len({b["machine"] for b in rows}) == 1 else f"{label} ({machine})",
                            f"{found.value:.4f}", "" if found.low is None else f"{found.low:.4f}",
                            "" if found.high is None else f"{found.high:.4f}", found.counts(), machine))
    if not lines:
        return ""
    tables["headline_ratios"] = (RATIO_HEADER, numbers)
    return ("## Headline\n\nTensorFlow ÷ PyTorch, each on its --step auto row: seconds (median over every round of "
            "every process; a training's with its warm-up where the compile is included), the ratio taken in each "
            "process and its 95 % interval over them (Student t, in logs; with the ratio's spread between the --history "
            "runs added where given), and how wide that interval is.\n\n"
            + table(("TensorFlow ÷ PyTorch", "PyTorch s", "TensorFlow s", "ratio (95 % interval; n)",
                     "interval's half-width", "machine"), lines, "headline", tables))


def targets_section(rows, tables):
    """The targets, each a ratio of rows named in advance (each framework's --step auto row), measured within one
    machine's run (CPU) or on the GPU named beside it, with its interval over processes."""
    lines = []

    def add(claim, target, found, machine):
        bound = f"{target[0]} {target[1]:g}"
        if found is None:
            lines.append((claim, bound, "n/a", "n/a", "n/a", "not measured", machine))
            return
        interval = f"{found.low:.3g} – {found.high:.3g}" if found.low is not None else "n/a"
        lines.append((claim, bound, f"{found.value:.3g}", interval, found.counts(), verdict(target, found), machine))

    def of(top, bottom=None, **how):
        return ratio(top, bottom, **how) if top is not None and (bottom is not None or how) else None

    names = FRAMEWORK_NAMES
    for machine in sorted({b["machine"] for b in rows}):
        mine = [b for b in rows if b["machine"] == machine]
        if bench_rows(mine, "train-epoch bag cpu") or bench_rows(mine, "train-epoch dense cpu"):
            clean = {f: auto_row(mine, CLEAN_GROUP, f, machine) for f in names}
            for framework, bound in (("torch", 3), ("tf", 4)):
                add(f"{names[framework]}: auto-step clean bag epoch ÷ optimizer floor", ("≤", bound),
                    of(clean[framework], floor=True), machine)
            for framework in names:
                add(f"{names[framework]}: tutorial dense epoch ÷ auto-step clean bag epoch", ("≥", 10),
                    of(auto_row(mine, DENSE_GROUP, framework, machine), clean[framework]), machine)
            mlp = row_of(mine, "train-epoch sparse cpu 3-groups", "sklearn-mlp", machine)
            for framework, bound in (("torch", 4), ("tf", 2.5)):
                add(f"scikit-learn MLPClassifier (sparse) ÷ {names[framework]} auto-step clean bag epoch",
                    ("≥", bound), of(mlp, clean[framework]), machine)
            add("TensorFlow ÷ PyTorch, auto-step clean bag epochs", ("≤", 2), of(clean["tf"], clean["torch"]), machine)
        for form in ("bag", "sparse"):
            group = f"inference {form} cpu"
            if bench_rows(mine, group):
                add(f"TensorFlow ÷ PyTorch, test-split prediction ({form})", ("≤", 4),
                    of(auto_row(mine, group, "tf", machine), auto_row(mine, group, "torch", machine)), machine)
        for categories, bound in (("3", 2.5), ("20", 1.6)):
            group = f"accuracy clean {categories}-groups with metadata"
            torch, tf = (auto_row(mine, group, f, machine) for f in FRAMEWORKS)
            for compile_included in (True, False):
                how = "compile included" if compile_included else "compile left out"
                add(f"TensorFlow ÷ PyTorch, 10-epoch training on {categories} groups ({how})", ("≤", bound),
                    seed_ratio(tf, torch, compile_included) if torch and tf else None, machine)
    for machine in sorted({b["machine"] for b in bench_rows(rows, "train-epoch") if "gpu" in b["group"]}):
        mine = [b for b in rows if b["machine"] == machine]
        for claim, bound, group in (("tutorial dense epoch", 0.02, "train-epoch dense gpu 3-groups"),
                                    ("all-20 dense epoch", 0.3, "train-epoch dense gpu 20-groups"),
                                    ("auto-step clean bag epoch", 0.01, "train-epoch bag gpu 3-groups"),
                                    ("dense test-split inference", 0.02, "inference dense gpu")):
            row = auto_row(mine, group, "torch", machine)
            add(f"PyTorch on the GPU: {claim}, s", ("≤", bound), ratio(row) if row else None, machine)
    if not lines:
        return ""
    return ("## Targets\n\nEach figure compares rows named in advance: each framework's --step auto row, never the "
            "fastest of several. CPU ratios are measured within one run on one machine; GPU times are absolute, on "
            "the GPU named. The interval is a Student t over the per-process figures (95 %, in logs; a TensorFlow ÷ "
            "PyTorch one takes in the spread between the --history runs, where given), and n says how "
            "many processes and rounds (or seeds) it rests on; a target is met only when its whole interval is, and "
            "one process gives no verdict. The 10-epoch trainings pair the two frameworks seed by seed; a training "
            "from scratch pays its compile, so that figure is the one to cite.\n\n"
            + table(("claim", "target", "measured", "95 % interval", "n", "met", "machine"), lines, "targets", tables))


def scaling_section(rows, tables):
    points = bench_rows(rows, "scaling")
    if not points:
        return ""
    fitted = [(axis, line, f"{slope:.2f}", n, f"{largest:,}", f"{memory:,.0f}" if memory is not None else "n/a")
              for axis, line, slope, n, (largest, memory) in slopes(points)]
    found = crossovers(points)
    text = ("## Scaling\n\nSeconds per epoch as one quantity grows, the rest at the defaults (batch and width on "
            "3 groups, vocabulary on all 20). The slope is the fitted exponent of a log-log line: 1 means the "
            "epoch's cost grows in proportion; 0, that it does not grow. Peak memory is the case's own: the "
            "device's peak on a GPU, on the CPU what the case added to the process's resident memory.\n\n"
            + table(("axis", "line", "slope", "points", "largest value", "peak memory MB there"), fitted, "scaling", tables))
    if found:
        text += "\nCrossovers found:\n\n" + "\n".join(f"- {line}" for line in found) + "\n"
    return text


def accuracy_rows(rows, records):
    """(label, [accuracy per seed]) for every configuration in the inputs."""
    out = []
    for source, group in group_records(records).items():
        for framework, name in FRAMEWORK_NAMES.items():
            runs = [r for r in group if r.framework == framework]
            if runs:
                out.append((f"{name}, {source}", [r.test_accuracy for r in runs]))
    for b in bench_rows(rows, "accuracy"):
        out.append((f"{variant(b)}, {b['group'][len('accuracy '):]}", list(by_seed(b, "accuracy").values())))
    return out


def by_seed(row, key):
    """{seed: value of `key`} of a seed-round row, averaged over the processes that ran the seed (the same
    for PyTorch's seeded trainings; TensorFlow's XLA dropout draws its own masks in each)."""
    values = defaultdict(list)
    for s in row["extra_info"]["per_seed"]:
        values[s["seed"]].append(s[key])
    return {seed: float(np.mean(found)) for seed, found in sorted(values.items())}


def epoch_stats(records):
    """Per group of records and framework: (group, framework name, median, q1, q3 of the steady epochs,
    their number, posts per epoch, mean first epoch)."""
    found = []
    for source, group in group_records(records).items():
        for framework, name in FRAMEWORK_NAMES.items():
            runs = [r for r in group if r.framework == framework]
            steady = [s for r in runs for s in r.epoch_seconds[1:]]
            if steady:
                q1, median, q3 = np.percentile(steady, [25, 50, 75])
                found.append((source, name, median, q1, q3, len(steady), runs[0].train_docs,
                              float(np.mean([r.epoch_seconds[0] for r in runs]))))
    return found


def epoch_bars(records):
    """Seconds per epoch from run records, as (configuration, name, median, q1, q3), for the epoch figure."""
    return [stats[:5] for stats in epoch_stats(records)]


def accuracy_section(rows, records, tables):
    lines = [(label, f"{np.mean(a):.4f} ± {sample_std(a):.4f}", len(a), f"{min(a):.4f} – {max(a):.4f}")
             for label, a in accuracy_rows(rows, records)]
    for b in bench_rows(rows, "time-to-accuracy"):
        info = b["extra_info"]
        epochs = [s["epochs"] for s in info["per_seed"]]
        reached = all(s["accuracy"] >= info["target"] for s in info["per_seed"])
        lines.append((f"{variant(b)}, time to {info['target']:.2f}: median {b['stats']['median']:.2f} s",
                      "reached" if reached else "not reached in every seed", len(by_seed(b, "epochs")),
                      f"{min(epochs)} – {max(epochs)} epochs"))
    return ("## Accuracy\n\nTest accuracy, mean ± sample standard deviation (ddof=1) over seeds.\n\n"
            + table(("configuration", "accuracy", "seeds", "range"), lines, "accuracy", tables)
            + differences_section(rows, records, tables) + time_split_section(rows, tables))


def accuracy_pairs(rows, records):
    """(what is compared, {seed: accuracy} of PyTorch, of the other, paired?) for every group with both."""
    pairs = []
    for source, group in group_records(records).items():
        by = {f: {r.seed: r.test_accuracy for r in group if r.framework == f} for f in FRAMEWORK_NAMES}
        if by["torch"] and by["tf"]:
            pairs.append((f"TensorFlow - PyTorch, {source}", by["torch"], by["tf"], True))
    groups = sorted({b["group"] for b in bench_rows(rows, "accuracy")})
    for group in groups:
        members = {variant(b): by_seed(b, "accuracy") for b in rows if b["group"] == group}
        if "torch" not in members:
            continue
        for other, label, paired in (("tf", "TensorFlow", True), ("sklearn-mlp", "MLPClassifier", False),
                                     ("linear", "LinearSVC", False)):
            if other in members:
                pairs.append((f"{label} - PyTorch, {group[len('accuracy '):]}", members["torch"], members[other], paired))
    return pairs


def differences_section(rows, records, tables):
    lines = []
    for label, torch_runs, other, paired in accuracy_pairs(rows, records):
        if paired:
            seeds = sorted(set(torch_runs) & set(other))
            d = paired_difference([torch_runs[s] for s in seeds], [other[s] for s in seeds])
        else:
            d = unpaired_difference(list(torch_runs.values()), list(other.values()))
        interval = f"{d.low:+.4f} to {d.high:+.4f}" if d.n > 1 else "n/a"
        lines.append((label, "paired by seed" if paired else "unpaired (Welch)", f"{d.mean:+.4f}", interval,
                      d.verdict()))
    if not lines:
        return ""
    return ("\n### Differences\n\nMean difference in test accuracy with its 95 % interval (Student t). The two "
            "networks of one seed start from the same weights on the same batches, so they are paired by seed; "
            "scikit-learn's MLPClassifier draws its own initial weights and LinearSVC has none, so those are "
            "compared unpaired.\n\n"
            + table(("difference", "test", "mean", "95 % interval", "verdict"), lines, "accuracy_differences", tables))


def time_split_section(rows, tables):
    """What a time-to-accuracy round is made of, per framework: medians over seeds."""
    lines = []
    for b in bench_rows(rows, "time-to-accuracy"):
        split = [s for s in b["extra_info"]["per_seed"] if "train_seconds" in s]
        if split:
            lines.append((variant(b), split[0].get("step", "?"),
                          *(f"{np.median([s[key] for s in split]):.3f}"
                            for key in ("warm_up_seconds", "train_seconds", "evaluate_seconds"))))
    if not lines:
        return ""
    return ("\n### Time to accuracy, split\n\nMedian seconds over seeds. Warm-up (tracing or compiling the "
            "step and the prediction, on one step and one evaluation) runs before the clock; training and "
            "evaluating are the round's own.\n\n"
            + table(("variant", "step", "warm-up s (not timed)", "training s", "evaluating s"), lines,
                    "time_to_accuracy_split", tables))


def reproduction_section(rows, earlier, tables):
    """Whether this run reproduces an earlier one: for each TensorFlow ÷ PyTorch ratio both have, do the two
    agree (their log ratios within 1.96 standard errors of their difference)? Returns (section, last line)."""
    now, then = tf_over_torch(rows), tf_over_torch(earlier)
    lines, agreed, judged = [], 0, 0
    for name in sorted(set(now) & set(then)):
        same = agree(then[name], now[name])
        judged += same is not None
        agreed += bool(same)
        lines.append((name, then[name].text(), now[name].text(),
                      {True: "agree", False: "differ", None: "no standard error (one process)"}[same]))
    if not judged:
        raise UserError(f"--against: nothing to compare: of the TensorFlow ÷ PyTorch ratios, {len(lines)} "
                        f"{'is' if len(lines) == 1 else 'are'} in both runs and none has a standard error in both "
                        "(a ratio needs two processes or more)" if lines else
                        "--against: nothing to compare: the two runs share no TensorFlow ÷ PyTorch ratio")
    line = f"reproduced: {agreed} of {judged} TensorFlow ÷ PyTorch ratios agree with the earlier run"
    unjudged = len(lines) - judged
    return ("## Reproduction\n\nEvery TensorFlow ÷ PyTorch ratio found in both this run and the earlier one "
            "(--against): they agree when their log ratios differ by less than 1.96 × √(se₁² + se₂²), each se the "
            "standard error over that run's processes, with the spread between the --history runs added where "
            "they give one. A ratio measured in one process has none and is not "
            f"judged ({unjudged} here).\n\n"
            + table(("ratio", "earlier run", "this run", "verdict"), lines, "reproduction", tables)
            + f"\n{line}\n"), line
