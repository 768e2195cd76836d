"""newsgroups-mlp docs: every figure the docs quote from a run, written from that kept run.

A generated figure sits between two HTML comments, which Markdown does not show:

    <!-- docs: table results/cpu-2core-epyc headline -->  ...the table...  <!-- /docs -->
    <!-- docs: cell results/cpu-2core-epyc speed "median s" "inference bag cpu" tf -->...<!-- /docs -->
    <!-- docs: figure results/cpu-2core-epyc-profiles/sparse-20-fused.json profiles.1.seconds.update 1000 .1f -->...<!-- /docs -->

The first comment says what goes between them: `table SOURCE NAME [COLUMNS [PREFIX]]`, one of the tables
`newsgroups-mlp report SOURCE` makes (report.md's, the same as NAME.csv), or the COLUMNS named (comma-separated)
of its rows whose first cell starts with PREFIX, with a caption naming the machine and commit; `cell SOURCE
NAME COLUMN KEY...`, one cell of it, in the row whose first cells are the KEYs; `figure FILE.json KEY [SCALE [FORMAT]]`, one
number of a JSON file (KEY: dotted, list items by index), times SCALE, formatted; `compare FOLDER`, the table
`newsgroups-mlp compare` printed for the records in FOLDER; `accuracy FOLDER torch|tf`, one framework's test
accuracy in it, as that table gives it; `agree FOLDER`, for how many steps its loss curves stay within
0.1 % of each other; `time FILE wall|peak`, a command's wall time or peak
memory from its `/usr/bin/time -v` output kept in FILE; `reproduction RUN EARLIER`, the report's Reproduction
table for RUN against EARLIER and its last line; `picture FOLDER IMAGE.png`, the loss curves of the compare run in
FOLDER drawn into IMAGE.png and shown; `forest RUN IMAGE.png`, the headline ratios of RUN with their intervals drawn
into IMAGE.png and shown; `layers`, the lesson's modules and the lab's, from the import contracts in
pyproject.toml. A table, cell, reproduction or forest block may end in `--history
RUN...`: the report's --history, other runs whose spread between runs its intervals take in. `docs` rewrites
every block from its source; `docs --check` changes nothing and fails when a block differs from what its source
gives.
"""

import hashlib
import inspect
import json
import os
import re
import shlex
from pathlib import Path

from shared.config import FRAMEWORKS
from shared.errors import UserError
from shared.lab.comparison import agreeing_span, comparison_table, mean_and_spread
from shared.lab.files import write_all

OPENING = re.compile(r"<!-- docs: ([^\n]*?) -->")
CLOSING = "<!-- /docs -->"
MARKER = re.compile(r"<!--\s*/?\s*docs?\b", re.I)  # anything meant as one, misspelt or not
CLOSING_LIKE = re.compile(r"<!--\s*/")
DOC_FILES = ("README.md", "LESSONS.md", "results/README.md", "docs/*.md")


def doc_files(root):
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"--root {root}: no such folder")
    found = [path for pattern in DOC_FILES for path in sorted(root.glob(pattern))]
    if not found:
        raise UserError(f"--root {root} holds none of the docs ({', '.join(DOC_FILES)})")
    return found


def blocks(text, name):
    """[(where, opening marker's match, where its closing starts)] of each generated block of `text` (the file
    `name`). A marker that is misspelt, not closed on its line, never closed, closing nothing or opening inside
    another block is an error naming the file and line: read as one, it would swallow the prose up to the next
    block's end."""
    found, opened = [], None
    for marker in MARKER.finditer(text):
        where = f"{name}:{text.count(chr(10), 0, marker.start()) + 1}"
        line_end = text.find(chr(10), marker.start())
        line = text[marker.start():line_end if line_end >= 0 else len(text)]
        if line.startswith(CLOSING):
            if opened is None:
                raise UserError(f"{where}: {CLOSING} closes no block")
            found.append((opened_where, opened, marker.start()))
            opened = None
        elif CLOSING_LIKE.match(line):
            raise UserError(f"{where}: a closing marker must read {CLOSING}, not {line[:40]!r}")
        elif opened is not None:
            raise UserError(f"{opened_where}: the block opened here is not closed ({CLOSING}) before the next "
                            f"marker, at line {where.rsplit(':', 1)[1]}")
        else:
            opened, opened_where = OPENING.match(text, marker.start()), where
            if opened is None:
                raise UserError(f"{where}: a marker must read <!-- docs: KIND ARGUMENTS... --> on one line, not "
                                f"{line[:60]!r}")
    if opened is not None:
        raise UserError(f"{opened_where}: the block opened here is never closed ({CLOSING})")
    return found


class Sources:
    """What the blocks read, each source read once: a run's report tables, a JSON file's contents."""

    def __init__(self, root):
        self.root, self.tables, self.files = Path(root), {}, {}
        self.folder = self.root  # the folder of the file being filled in, for links
        self.history = ()  # the block's --history runs
        self.pictures = {}  # {image path: (compare runs, digest)}, for the picture blocks

    def path(self, name):
        path = self.root / name
        if not path.exists():
            raise UserError(f"{name}: no such file or folder")
        return path

    def table(self, source, name):
        key = source, self.history
        if key not in self.tables:
            from shared.lab.report import load_inputs, report_tables
            benches, records = load_inputs([self.path(source)])
            commits = sorted({b.get("commit_info", {}).get("id", "?")[:7] for b in benches})
            self.tables[key] = (report_tables(benches, records, [self.path(h) for h in self.history]),
                                benches[0]["label"] if benches else None, commits)
        tables, machine, commits = self.tables[key]
        if name not in tables:
            raise UserError(f"{source} gives no table {name!r} (it gives {', '.join(sorted(tables))})")
        return tables[name], machine, commits

    def json(self, name):
        if name not in self.files:
            try:
                self.files[name] = json.loads(self.path(name).read_text())
            except ValueError as error:
                raise UserError(f"{name}: not JSON ({error})") from None
        return self.files[name]


def table_block(sources, source, name, columns=None, prefix=""):
    from shared.lab.report import markdown_table
    (header, rows), machine, commits = sources.table(source, name)
    if columns:
        wanted = columns.split(",")
        missing = [c for c in wanted if c not in header]
        if missing:
            raise UserError(f"{source}'s table {name} has no column {missing[0]!r} (it has {', '.join(header)})")
        rows = [[row[header.index(c)] for c in wanted] for row in rows if str(row[0]).startswith(prefix)]
        header = wanted
    link = os.path.relpath(sources.root / source, sources.folder)  # from the file the block is in
    history = f" --history {' '.join(sources.history)}" if sources.history else ""
    caption = (f"*{machine or 'run records'}; commit {', '.join(commits) or 'none'}; from "
               f"[`{source}`]({link}), `newsgroups-mlp report {source}{history}`, table {name}.*")
    return f"\n{markdown_table(header, rows)}\n\n{caption}\n"


def cell_block(sources, source, name, column, *keys):
    (header, rows), _, _ = sources.table(source, name)
    if column not in header:
        raise UserError(f"{source}'s table {name} has no column {column!r} (it has {', '.join(header)})")
    found = [r for r in rows if keys and [str(cell) for cell in r[:len(keys)]] == list(keys)]
    if not found:
        raise UserError(f"{source}'s table {name} has no row {' | '.join(keys)!r}")
    return str(found[0][header.index(column)])


def figure_block(sources, file, key, scale="1", spec="g"):
    value = sources.json(file)
    for part in key.split("."):
        try:
            value = value[int(part)] if isinstance(value, list) else value[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise UserError(f"{file} has no {key!r} (stopped at {part!r})") from None
    return format(float(value) * float(scale), spec)


def reproduction_block(sources, run, earlier):
    """Whether `run` reproduces `earlier`: the report's Reproduction table (`report RUN --against EARLIER`) and its
    last line."""
    from shared.lab.report import load_inputs, markdown_table, merged_with_history, reproduction_section
    tables = {}
    now, then = merged_with_history([load_inputs([sources.path(name)])[0] for name in (run, earlier)],
                                    [sources.path(h) for h in sources.history])
    _, line = reproduction_section(now, then, tables)
    header, rows = tables["reproduction"]
    history = f" --history {' '.join(sources.history)}" if sources.history else ""
    return (f"\n{markdown_table(header, rows)}\n\n`newsgroups-mlp report {run} --against {earlier}{history}`: "
            f"{line}\n")


def compare_runs(sources, folder):
    from shared.lab.record import load_record
    runs = {f: sorted((load_record(p) for p in sources.path(folder).glob(f"{f}-seed*.json")), key=lambda r: r.seed)
            for f in FRAMEWORKS}
    seeds = {f: {r.seed for r in runs[f]} for f in FRAMEWORKS}
    if not seeds["torch"] and not seeds["tf"]:
        raise UserError(f"{folder} holds no compare run (torch-seedN.json and tf-seedN.json for the same seeds)")
    alone = sorted(seeds["torch"] ^ seeds["tf"])
    if alone:
        paired = sorted(seeds["torch"] & seeds["tf"])
        missing = [f"{f}-seed{seed}.json" for seed in alone for f in FRAMEWORKS if seed not in seeds[f]]
        raise UserError(f"{folder} lacks {', '.join(missing)}: {'its seed' if len(alone) == 1 else 'those seeds'} "
                        f"{', '.join(map(str, alone))} ran in one framework only"
                        + (f" (seeds {', '.join(map(str, paired))} pair)" if paired else ""))
    return runs


def compare_block(sources, folder):
    runs = compare_runs(sources, folder)
    return f"\n```\n{comparison_table(runs['torch'], runs['tf'])}\n```\n"


def accuracy_block(sources, folder, framework):
    """A framework's test accuracy in a compare run, as compare prints it: mean ± sample std over the seeds."""
    runs = compare_runs(sources, folder).get(framework)
    if runs is None:
        raise UserError(f"accuracy takes torch or tf, not {framework!r}")
    return mean_and_spread([r.test_accuracy for r in runs])


def agree_block(sources, folder):
    """For how many steps a compare run's two loss curves stay within 0.1 %, over its seeds: 'N-M of T steps'."""
    runs = compare_runs(sources, folder)
    return f"{agreeing_span(runs['torch'], runs['tf'])} steps"


def last_loss_block(sources, folder):
    """The range, over a compare run's records (both frameworks, every seed), of the largest loss of the last
    epoch: 'A to B'."""
    runs = compare_runs(sources, folder)
    largest = [max(r.step_losses[-(len(r.step_losses) // r.epochs):]) for f in FRAMEWORKS for r in runs[f]]
    return f"{min(largest):.2g} to {max(largest):.2g}"


TIME_LINES = {"wall": "Elapsed (wall clock) time (h:mm:ss or m:ss)", "peak": "Maximum resident set size (kbytes)"}


def time_block(sources, file, what):
    """A figure of a command's `/usr/bin/time -v` output kept in `file`: its wall time or its peak memory."""
    if what not in TIME_LINES:
        raise UserError(f"time takes wall or peak, not {what!r}")
    found = re.search(rf"{re.escape(TIME_LINES[what])}: (\S+)", sources.path(file).read_text())
    if not found:
        raise UserError(f"{file} is not /usr/bin/time -v output (no {TIME_LINES[what]!r})")
    if what == "peak":
        return f"{int(found.group(1)) / 2**20:.2f} GB"
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(found.group(1).split(":"))))
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def picture_block(sources, folder, image):
    """The loss curves of the compare run in `folder`, both frameworks from the same initial weights, drawn into
    `image` (a PNG under the root) and shown where the block is. The PNG keeps a digest of what it was drawn from
    in its metadata: `docs` draws it again only when that changes, `docs --check` fails when they differ."""
    runs = compare_runs(sources, folder)
    losses = {framework: [[r.seed, r.step_losses] for r in runs[framework]] for framework in FRAMEWORKS}
    digest = hashlib.sha256(json.dumps([folder, losses]).encode()).hexdigest()[:16]
    if not image.endswith(".png"):
        raise UserError(f"picture draws a PNG, not {image!r}")
    r = runs["torch"][0]
    title = f"{r.recipe} recipe, {r.input} input, init {r.init}, {r.train_docs} posts, batches of {r.batch_size}"

    def draw(path, provenance):
        from shared.lab.figures import loss_figure
        loss_figure({title: runs["torch"] + runs["tf"]}, path, provenance)
    sources.pictures[sources.root / image] = (draw, digest)
    seeds = ", ".join(str(run.seed) for run in runs["torch"])
    link = os.path.relpath(sources.root / image, sources.folder)
    return (f"\n![Training loss, step by step, of PyTorch and TensorFlow from the same initial weights on the same "
            f"batches: {r.recipe} recipe, seeds {seeds}]({link})\n")


def picture_source(path):
    """The digest a picture `docs` drew keeps in its PNG metadata; None for a missing or foreign file."""
    from PIL import Image
    try:
        with Image.open(path) as image:
            return image.text.get("Source")
    except (OSError, ValueError):
        return None


def forest_block(sources, source, image):
    """The headline's TensorFlow ÷ PyTorch ratios of the run in `source`, each with its 95 % interval (with the
    block's --history, as the headline table gives them), drawn as a forest plot into `image` and shown; kept and
    checked by its digest as a picture block is."""
    (_, rows), machine, commits = sources.table(source, "headline_ratios")
    if not image.endswith(".png"):
        raise UserError(f"forest draws a PNG, not {image!r}")
    digest = hashlib.sha256(json.dumps([source, sources.history, rows]).encode()).hexdigest()[:16]
    title = f"TensorFlow ÷ PyTorch, {machine}, commit {', '.join(commits)}"

    def draw(path, provenance):
        from shared.lab.figures import ratio_figure
        ratio_figure(rows, path, title, provenance)
    sources.pictures[sources.root / image] = (draw, digest)
    link = os.path.relpath(sources.root / image, sources.folder)
    return (f"\n![The headline ratios, TensorFlow ÷ PyTorch seconds, each with its 95 % interval and a line at 1: "
            f"from {source}]({link})\n")


def layers_block(sources):
    """The lesson and the lab, as the import contracts in pyproject.toml draw them (tests/test_layers.py runs
    them): which modules are which, and which way the imports go."""
    import tomllib
    config = tomllib.loads(sources.path("pyproject.toml").read_text()).get("tool", {}).get("importlinter", {})
    contract = next((c for c in config.get("contracts", []) if c.get("id") == "lesson"), None)
    if contract is None:
        raise UserError("pyproject.toml has no import contract with id = \"lesson\"")

    def listed(modules):
        by_package = {}
        for module in modules:
            package, _, name = module.rpartition(".")
            by_package.setdefault(package, []).append(name)
        return "; ".join(f"`{package}/` {', '.join(names)}" for package, names in by_package.items())

    def paths(modules):
        return ", ".join(f"`{m.replace('.', '/')}{'/' if (sources.root / m.replace('.', '/')).is_dir() else '.py'}`"
                         for m in modules)
    return (f"\n- **The lesson**, with the devices and the speed forms it runs on: "
            f"{listed(contract['source_modules'])}. It imports nothing of the lab.\n"
            f"- **The lab**, what runs, records, measures and reports the lesson: {paths(contract['forbidden_modules'])}. "
            f"It imports the lesson.\n- **Above both**: `benchmarks/` and `tests/`.\n\nThe arrow goes one way, "
            f"lab → lesson, and no two modules of one package import each other in a circle: `lint-imports` checks "
            f"both contracts in pyproject.toml, and `tests/test_layers.py` runs it.\n")


HISTORY_KINDS = ("table", "cell", "reproduction", "forest")
KINDS = {"table": table_block, "cell": cell_block, "figure": figure_block, "compare": compare_block,
         "accuracy": accuracy_block, "agree": agree_block, "last-loss": last_loss_block, "time": time_block, "reproduction": reproduction_block,
         "picture": picture_block, "forest": forest_block, "layers": layers_block}


def generated(sources, spec, where):
    """What the block whose first comment says `spec` should hold."""
    words = shlex.split(spec)
    if not words or words[0] not in KINDS:
        raise UserError(f"{where}: unknown block {spec!r}: a block is one of {', '.join(KINDS)}")
    flagged = "--history" in words
    history = words.index("--history") if flagged else len(words)
    words, sources.history = words[:history], tuple(words[history + 1:])
    if flagged and not sources.history:
        raise UserError(f"{where}: --history takes one or more runs")
    if words[0] not in HISTORY_KINDS and sources.history:
        raise UserError(f"{where}: {words[0]} takes no --history (a table, cell, reproduction or forest block does)")
    try:
        inspect.signature(KINDS[words[0]]).bind(sources, *words[1:])
    except TypeError:
        raise UserError(f"{where}: {spec!r} has the wrong number of arguments (shared/lab/docs.py says each kind's)") from None
    try:
        return KINDS[words[0]](sources, *words[1:])
    except UserError as error:
        raise UserError(f"{where}: {error}") from None


def update_docs(root, check=False):
    """Rewrites (or with check, only compares) every generated block under `root`; returns (blocks, [where each
    differing block starts]). Every block of every file is read and made first: a bad one is an error and no file
    is written; then every changed file and picture is written together, all or none."""
    root = Path(root)
    sources, count, stale, changed = Sources(root), 0, [], {}
    for path in doc_files(root):
        name, sources.folder = path.relative_to(root), path.parent
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise UserError(f"cannot read {name}: {getattr(error, 'strerror', None) or error}") from None
        pieces, done = [], 0
        for where, opening, closing in blocks(text, name):
            count += 1
            content = generated(sources, opening.group(1), where)
            if content != text[opening.end():closing]:
                stale.append(where)
            pieces += [text[done:opening.end()], content]
            done = closing
        new = "".join(pieces) + text[done:]
        if new != text:
            changed[path] = new
    if not count:
        raise UserError(f"no generated block in the docs under {root} ({', '.join(DOC_FILES)}): nothing to check")
    redraw = [path for path, (_, digest) in sources.pictures.items() if picture_source(path) != digest]
    if check:
        stale += [f"{path.relative_to(root)}: drawn from another source than its block's" for path in redraw]
    else:
        writers = {path: lambda temporary, new=new: temporary.write_text(new) for path, new in changed.items()}
        for path in redraw:
            path.parent.mkdir(parents=True, exist_ok=True)
            draw, digest = sources.pictures[path]
            writers[path] = lambda temporary, draw=draw, digest=digest: draw(temporary, digest)
        write_all(writers)
    return count, stale + [path.relative_to(root) for path in redraw] * (not check)
