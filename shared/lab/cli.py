"""The `newsgroups-mlp` command: train one framework, or compare both on the same everything."""

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from shared.lab.allocator import keep_freed_memory
from shared.lab.comparison import comparison_table
from shared.batches import prepare
from shared.config import CLEAN_INIT, FORMS, FRAMEWORKS, STEP_NAMES, STEPS, Hyperparameters
from shared.dataset import (ARCHIVE_ENV, REMOVABLE, TUTORIAL_CATEGORIES, carve_validation, load_corpus,
                            parse_categories, parse_remove)
from shared.errors import UserError
from shared.lab.profiling import profile, profile_table
from shared.lab.notebook import SOURCE as NOTEBOOK_SOURCE
from shared.lab.files import check_writable, only_writer, output_folder, write_atomically, written_folder
from shared.lab.record import load_record, machine_info, save_record
from shared.lab.runner import (implementation, in_a_process_of_its_own, installed_frameworks, run, signal_of,
                               stop_on_signals)
from shared.config import FRAMEWORK_NAMES
from shared.vocab import RECIPES
from shared.weights import SCHEMES

# The report (matplotlib), statistics (scipy.stats) and the side-by-side page (pygments) are imported in
# the commands that use them: each run of compare starts a process that imports this module, and they
# would add over a second to each (scikit-learn, for the same reason, where shared/ loads and vectorizes).

DEVICES = ("auto", "cpu", "gpu")
ROOT = Path(__file__).resolve().parents[2]  # the project folder: README.md, docs/, results/

# compare starts both frameworks from one scheme: --init, else the clean recipe's, else PyTorch's
# default (the one both frameworks reach the PyTorch tutorial's accuracy with).
COMPARE_INIT = "torch"


class Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line on stderr, not argparse's usage block."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def number(kind, holds, rule, expected="a number"):
    """An argparse type: the text as `kind`, refused with `rule` unless holds(value)."""
    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not holds(value):
            raise argparse.ArgumentTypeError(f"{rule}, got {text!r}")
        return value
    convert.__name__ = kind.__name__
    return convert


def positive(kind):
    return number(kind, lambda value: value > 0, "must be positive")


NO_NEGATIVE_SEED = "a seed is 0 or more (numpy's generators take no negative seed)"
seed = number(int, lambda value: value >= 0, NO_NEGATIVE_SEED, "an integer")
fraction = number(float, lambda value: 0 <= value < 1, "must be at least 0 and below 1")


def seeds(text):
    """'3', '0-4' or '0,2,7' -> a tuple of seeds."""
    try:
        if "-" in text.lstrip("-"):
            first, last = (int(part) for part in text.split("-", 1))
            values = tuple(range(first, last + 1))
        else:
            values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a seed, a range A-B or a list a,b,c; got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError(f"the range {text!r} holds no seed")
    if min(values) < 0:
        raise argparse.ArgumentTypeError(f"{NO_NEGATIVE_SEED}, got {text!r}")
    return values


def parts(text):
    try:
        return parse_remove(text)
    except UserError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def categories(text):
    try:
        return parse_categories(text)
    except UserError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def default_threads():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def add_run_options(parser):
    defaults = Hyperparameters()
    parser.add_argument("--recipe", choices=RECIPES, default=defaults.recipe,
                        help="tutorial: the tutorials' vocabulary over train and test posts, batches in order; "
                             "noleak: the same with a train-only vocabulary; clean: tf-idf of a vocabulary fitted on "
                             "the training posts, shuffled batches, dropout 0.5, lr 0.003 (default: %(default)s)")
    parser.add_argument("--input", choices=FORMS, dest="form",
                        help="the input form the first layer reads: a dense matrix, a sparse one, or each post's word list read as an "
                             "embedding bag; the same numbers in all three (default: bag for clean, else dense)")
    parser.add_argument("--epochs", type=positive(int), default=defaults.epochs, help="(default: %(default)s)")
    parser.add_argument("--batch-size", type=positive(int), default=defaults.batch_size, help="(default: %(default)s)")
    parser.add_argument("--hidden", type=positive(int), default=defaults.hidden, help="units in each hidden layer (default: %(default)s)")
    parser.add_argument("--lr", type=positive(float), help="Adam learning rate (default: 0.003 for clean, else 0.01)")
    parser.add_argument("--adam-eps", type=positive(float), default=defaults.adam_eps,
                        help="Adam's epsilon, passed to both frameworks as is (default: %(default)s)")
    parser.add_argument("--dropout", type=fraction,
                        help="dropout rate between the layers (default: 0.5 for clean, else 0)")
    parser.add_argument("--step", choices=STEPS, default=defaults.step,
                        help="auto: each framework's fastest exact step for the input form and device (shared/config.py: "
                             "FASTEST_STEP); standard: eager PyTorch, traced TensorFlow (tf.function); fused: TensorFlow's "
                             "traced step with Adam in one kernel per tensor (PyTorch's standard step already is); "
                             "compiled: torch.compile, XLA; captured: one padded "
                             "step captured whole, a CUDA graph (PyTorch, GPU only) or XLA (TensorFlow); --input bag "
                             "(default: %(default)s)")
    parser.add_argument("--deterministic", action="store_true",
                        help="deterministic kernels only (torch.use_deterministic_algorithms, "
                             "tf.config.experimental.enable_op_determinism)")
    parser.add_argument("--categories", type=categories, default=TUTORIAL_CATEGORIES,
                        help=f"comma-separated newsgroups, or 'all' (default: {','.join(TUTORIAL_CATEGORIES)})")
    parser.add_argument("--device", choices=DEVICES, default="auto", help="auto: a GPU when there is one (default: %(default)s)")
    parser.add_argument("--threads", type=positive(int), default=default_threads(),
                        help="CPU threads for each framework (default: all cores, %(default)s)")
    parser.add_argument("--remove", type=parts, default=(), metavar="PARTS",
                        help=f"strip these parts of every post, comma-separated: {', '.join(REMOVABLE)} (default: none)")
    parser.add_argument("--validation", type=fraction, default=0.0, metavar="FRACTION",
                        help="hold out this fraction of the training posts and report accuracy on it instead of "
                             "the test set: for choosing hyperparameters (default: off)")
    parser.add_argument("--archive", help=f"a local 20news-bydate.tar.gz (default: ${ARCHIVE_ENV}, else download)")


def build_parser():
    parser = Parser(prog="newsgroups-mlp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    train = commands.add_parser("train", help="train one framework and write its record")
    train.add_argument("--framework", choices=FRAMEWORKS, required=True)
    train.add_argument("--seed", type=seed, default=0, help="initial weights and batch order (default: %(default)s)")
    add_run_options(train)
    train.add_argument("--init", choices=SCHEMES,
                       help="initial weights (default: clean: glorot; otherwise each tutorial's own, torch for "
                            "PyTorch and normal for TensorFlow)")
    train.add_argument("--out", required=True, type=Path, metavar="FILE.json", help="where to write the run record")
    train.set_defaults(handler=train_command)

    compare = commands.add_parser("compare", help="train both frameworks from the same weights on the same batches")
    compare.add_argument("--seed", type=seeds, default=(0, 1, 2), metavar="N|A-B|a,b,c",
                         help="one seed or several; each trains both frameworks. One run of each proves little "
                              "(float32 drift, amplified by Adam), so the table shows mean ± std (default: 0-2)")
    add_run_options(compare)
    compare.add_argument("--init", choices=SCHEMES,
                         help=f"initial weights, the same for both (default: {CLEAN_INIT} for clean, else {COMPARE_INIT})")
    compare.add_argument("--out", required=True, type=Path, metavar="DIR",
                         help="folder for the records, FRAMEWORK-seedN.json")
    compare.set_defaults(handler=compare_command)

    profile = commands.add_parser("profile", help="where one training step's time goes, both frameworks side by side")
    profile.add_argument("--framework", choices=FRAMEWORKS, action="append",
                         help="profile this framework only (repeatable; default: both installed)")
    profile.add_argument("--seed", type=seed, default=0, help="initial weights and batch (default: %(default)s)")
    add_run_options(profile)
    profile.add_argument("--init", choices=SCHEMES,
                         help=f"initial weights, the same for both (default: {CLEAN_INIT} for clean, else {COMPARE_INIT})")
    profile.add_argument("--repeats", type=positive(int), default=20, help="timed calls of each part (default: %(default)s)")
    profile.add_argument("--out", required=True, type=Path, metavar="FILE.json",
                         help="where to write the profile (TensorFlow's trace goes to the folder FILE-trace beside it)")
    profile.set_defaults(handler=profile_command)

    report = commands.add_parser("report", help="write report.md and figures from benchmark JSON and run records")
    report.add_argument("inputs", nargs="+", metavar="BENCH.json|RECORD.json|DIR",
                        help="a pytest-benchmark --benchmark-json file and/or run records (files or folders)")
    report.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for report.md and the PNGs")
    report.add_argument("--against", nargs="+", default=(), metavar="EARLIER.json|DIR",
                        help="an earlier run's benchmark files: says which of its TensorFlow ÷ PyTorch ratios this run "
                             "reproduces (the last line printed)")
    report.add_argument("--history", nargs="+", default=(), metavar="DIR",
                        help="other runs of this machine, at other times (a folder of one run's files, or a folder of "
                             "such folders): each TensorFlow ÷ PyTorch interval takes in how far the ratio moved "
                             "between them, beyond their own processes' spread")
    report.set_defaults(handler=report_command)

    docs = commands.add_parser("docs", help="write the docs' figures from the kept runs they quote (shared/lab/docs.py)")
    docs.add_argument("--check", action="store_true", help="change nothing; fail if any figure differs from its source")
    docs.add_argument("--root", type=Path, default=ROOT,
                      help="the project folder holding README.md, LESSONS.md, docs/ and results/ (default: this one)")
    docs.set_defaults(handler=docs_command)

    notebook = commands.add_parser("notebook", help="run the tutorial notebook's source top to bottom into the "
                                   "notebook, with its outputs (shared/lab/notebook.py)")
    notebook.add_argument("--source", type=Path, default=ROOT / NOTEBOOK_SOURCE, metavar="FILE.py",
                          help="a jupytext percent script (default: docs/tutorial.py)")
    notebook.add_argument("--out", type=Path, metavar="FILE.ipynb", help="default: the source's .ipynb beside it")
    notebook.set_defaults(handler=notebook_command)

    side = commands.add_parser("side-by-side", help="write the aligned PyTorch | TensorFlow page (one HTML file)")
    side.add_argument("--out", required=True, type=Path, metavar="FILE.html")
    side.set_defaults(handler=side_by_side_command)
    return parser


def hyperparameters(args, seed, init=None):
    return Hyperparameters(recipe=args.recipe, form=args.form, init=init or args.init, seed=seed, epochs=args.epochs,
                           batch_size=args.batch_size, hidden=args.hidden, lr=args.lr, adam_eps=args.adam_eps,
                           dropout=args.dropout, categories=args.categories, remove=args.remove,
                           validation=args.validation, step=args.step, deterministic=args.deterministic)


def start_frameworks(frameworks, args):
    """Thread counts first (TensorFlow fixes them when it starts), then fail early on a missing device or a
    step this device cannot run; returns each framework's device kind, 'cpu' or 'gpu', for --step auto.
    Both run with freed host memory kept for reuse (shared/lab/allocator.py)."""
    keep_freed_memory()
    kinds = {}
    for framework in frameworks:
        impl = implementation(framework)
        impl.configure_threads(args.threads)
        impl.configure_determinism(args.deterministic)
        placed = impl.resolve_device(args.device)
        kinds[framework] = "cpu" if placed == impl.resolve_device("cpu") else "gpu"
        impl.make_train_step(hyperparameters(args, 0).resolved(framework, kinds[framework]).step, placed)
    return kinds


def corpus_for(args):
    corpus = load_corpus(args.categories, args.archive, remove=args.remove)
    corpus = carve_validation(corpus, args.validation) if args.validation else corpus
    if args.batch_size > len(corpus.train_texts):  # every batch is whole: not one step would train
        raise UserError(f"--batch-size {args.batch_size} is more than the {len(corpus.train_texts)} training posts: "
                        "no batch, no step would train")
    return corpus


# What the outputs take on disk, checked before a run starts: a record holds a loss a step (tens of kB), a
# report its figures (about 0.2 MB), TensorFlow's profiler trace a few MB.
RECORD_MB, REPORT_MB, TRACE_MB = 0.5, 2, 20


def record_file(out):
    if out.is_dir():
        raise UserError(f"--out {out} is a folder; this command writes one file (FILE.json)")
    return out


def train_command(args):
    hyperparameters(args, args.seed).resolved(args.framework)  # refuses what cannot run, before anything starts
    with output_folder(args.out.parent, RECORD_MB), only_writer(record_file(args.out)):
        kinds = start_frameworks([args.framework], args)
        hp = hyperparameters(args, args.seed).resolved(args.framework, kinds[args.framework])
        batches = prepare(corpus_for(args), hp)
        record = run(args.framework, batches, hp, args.device, args.threads)
        save_record(record, args.out)
    print(f"{args.framework}: {record.evaluated_on} accuracy {record.test_accuracy:.4f} in {record.train_seconds:.1f} s "
          f"({record.epochs} epochs, {STEP_NAMES[args.framework][record.step]} step, {record.device}, "
          f"{record.threads} threads) -> {args.out}")


def shared_init(args):
    """The one initial-weight scheme compare and profile give both frameworks."""
    return args.init or (CLEAN_INIT if args.recipe == "clean" else COMPARE_INIT)


def compare_command(args):
    from shared.lab.machine import Watch, busy_line
    watch = Watch()
    for framework in FRAMEWORKS:
        hyperparameters(args, args.seed[0]).resolved(framework)  # refuses what cannot run, before anything starts
    with output_folder(args.out, REPORT_MB + 2 * len(args.seed) * RECORD_MB), only_writer(args.out):
        compare_seeds(args)
    print(f"records and report.md -> {args.out}/")
    from shared.lab.figures import FIGURES
    print(f"the two loss curves, from the same weights: {args.out / FIGURES[0]}")
    busy = busy_line(watch.machine_state(), "compare")
    if busy:
        print(f"newsgroups-mlp: {busy}", file=sys.stderr)


def compare_seeds(args):
    corpus, features = corpus_for(args), None
    init = shared_init(args)
    for seed in args.seed:
        batches = prepare(corpus, hyperparameters(args, seed, init).resolved("torch"), features)  # one set for both
        features = batches.features
        for framework in FRAMEWORKS:
            in_a_process_of_its_own(compare_run, framework, args, seed, init, batches,
                                    name=f"the {FRAMEWORK_NAMES[framework]} seed-{seed}")
    records = {framework: [load_record(args.out / f"{framework}-seed{seed}.json") for seed in args.seed]
               for framework in FRAMEWORKS}
    print(comparison_table(records["torch"], records["tf"]))
    from shared.lab.report import write_report
    write_report([args.out], args.out)


def compare_run(framework, args, seed, init, batches):
    """One run of compare, saved as it finishes: an interrupted compare keeps the runs that finished."""
    kinds = start_frameworks([framework], args)
    hp = hyperparameters(args, seed, init).resolved(framework, kinds[framework])
    save_record(run(framework, batches, hp, args.device, args.threads), args.out / f"{framework}-seed{seed}.json")


def profile_command(args):
    frameworks = args.framework or [f for f in FRAMEWORKS if f in installed_frameworks()]
    init = shared_init(args)
    for framework in frameworks:
        hyperparameters(args, args.seed, init).resolved(framework)  # refuses what train refuses, before anything starts
    with output_folder(args.out.parent, RECORD_MB + TRACE_MB * ("tf" in frameworks)), only_writer(record_file(args.out)):
        kinds = start_frameworks(frameworks, args)
        hps = {f: hyperparameters(args, args.seed, init).resolved(f, kinds[f]) for f in frameworks}
        batches = prepare(corpus_for(args), hps[frameworks[0]])
        trace = args.out.with_name(args.out.stem + "-trace")  # the TensorFlow profiler's trace folder
        with written_folder(trace) as staging:  # a trace cut short by a full disk or a Ctrl-C is not kept
            results = [profile(f, batches, hps[f], args.device, staging, args.repeats) for f in frameworks]
            for result in results:
                result["trace"] = result["trace"] and str(trace)
            print(profile_table(results, hps[frameworks[0]], batches, args.threads))
            write_atomically(args.out, json.dumps({"profiles": results, "recipe": args.recipe,
                                                   "form": hps[frameworks[0]].form, "threads": args.threads,
                                                   "machine": machine_info()}, indent=1) + "\n")
    print(f"profile -> {args.out}")


def report_command(args):
    from shared.lab.report import write_report
    with output_folder(args.out, REPORT_MB), only_writer(args.out):
        report, reproduced = write_report(args.inputs, args.out, args.against, args.history)
    print(f"report -> {report}")
    if reproduced:
        print(reproduced)


def docs_command(args):
    from shared.lab.docs import update_docs
    count, stale = update_docs(args.root, check=args.check)
    if args.check:
        from shared.lab.pointers import broken
        pointers = broken(args.root)
        for where in stale:
            print(f"{where}: differs from its source")
        for problem in pointers:
            print(problem)
        if stale or pointers:
            raise UserError("; ".join(
                [f"{len(stale)} of {count} generated figures differ from their sources (`newsgroups-mlp docs` "
                 f"rewrites them)"] * bool(stale) + [f"{len(pointers)} pointer{'s lead' if len(pointers) > 1 else ' leads'} nowhere"] * bool(pointers)))
    print(f"docs: {count} generated figures {'match their sources' if args.check else 'written from their sources'}"
          + (", every pointer leads somewhere" if args.check else f" ({len(stale)} changed)"))


def notebook_command(args):
    from shared.lab.notebook import execute, machine_traces, write
    out = args.out or args.source.with_suffix(".ipynb")
    check_writable(out.parent)
    notebook = execute(args.source)
    traces = machine_traces(notebook)
    if traces:
        raise UserError(f"{args.source}'s outputs hold what differs from machine to machine, so {out} is left as it "
                        f"was: {'; '.join(traces)}")
    write(notebook, out)
    print(f"notebook -> {out} ({sum(cell.cell_type == 'code' for cell in notebook.cells)} cells run)")


def side_by_side_command(args):
    check_writable(args.out.parent)
    from shared.lab.side_by_side import render
    write_atomically(args.out, render(args.out.parent))
    print(f"side-by-side view -> {args.out}")


def main(argv=None):
    args = build_parser().parse_args(argv)
    previous = stop_on_signals()
    try:
        args.handler(args)
    except UserError as error:
        print(f"newsgroups-mlp: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        signum = signal_of(stop)
        how = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
        print(f"\nnewsgroups-mlp: {how}", file=sys.stderr)  # on a line of its own, below any progress bar
        return 128 + signum
    finally:
        for signum, handler in previous.items():  # main() called from Python leaves its caller's handlers as they were
            signal.signal(signum, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
