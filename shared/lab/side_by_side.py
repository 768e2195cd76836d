"""The aligned view: PyTorch on the left, TensorFlow on the right, section by section, in a learner's order.

The code is cut out of torch_impl/ and tf_impl/ by name each time the page is made (with the
comment lines just above each piece), so the page cannot drift from the code. The two sides are aligned as a
split diff aligns them, and the rows where they differ are marked. Reading the files
as text also means neither framework has to be installed to make it.
"""

import ast
import difflib
import html
import os
from pathlib import Path

from pygments.lexers import PythonLexer
from pygments.styles import get_style_by_name

from shared.config import FRAMEWORK_NAMES, FRAMEWORKS
from shared.lab.runner import PACKAGES
from shared.lab.notebook import NOTEBOOK

ROOT = Path(__file__).resolve().parents[2]
# The pieces the two sides name differently: PyTorch's are modules, TensorFlow's functions.
NAMES = {"network": {"torch": "OurNet", "tf": "multilayer_perceptron"},
         "sparse layer": {"torch": "SparseLinear", "tf": "sparse_layer"},
         "bag layer": {"torch": "BagLinear", "tf": "bag_layer"}}


# Pieces that only one side needs, shown beside an empty column.
ONE_SIDED = {"MODULES": "torch", "Model": "tf", "captured": "torch", "Rows": "tf", "padded_take": "tf", "sliced_step": "tf", "compiled_classes": "tf",
             "predicted_bag": "tf", "without_replica_sum": "tf",
             "FusedAdam": "tf"}


def mirrored_name(framework, name):
    """The name a piece has on both sides: `name` itself, or its key in NAMES."""
    return next((key for key, names in NAMES.items() if names[framework] == name), name)

# (title, file, names on both sides, what differs and why), in a learner's reading order: the data, the network,
# the loss and Adam, one training step, the loop, evaluation, where it runs; then, from FAST_FROM on, the speed forms.
SECTIONS = [
    ("Batches made where the model runs", "data.py", ["upload", "take"],
     "The corpus is a CSR matrix of a few MB (<code>shared/batches.py</code> works a three-post example through: "
     "its arrays and the dense, sparse and bag batch they make). It is copied to the device once; each batch is "
     "then sliced there and, for dense input, densified there, instead of copying a 72 MB dense batch from the "
     "host every step. <code>take</code> finds each entry's place in the corpus with index arithmetic, in "
     "each framework's own ops; <code>shared.batches.get_batch</code> is the host-side reference, and a test "
     "holds the two equal for every form."),
    ("The network", "model.py", ["network"],
     "PyTorch wraps the layers in an <code>nn.Module</code> whose <code>forward</code> runs when the model is "
     "called; the TensorFlow tutorial writes a plain function over explicit weight and bias dicts. The first "
     "layer depends on the input form (next section). Dropout follows each hidden ReLU: a module that is on in "
     "<code>train()</code> mode and off in <code>eval()</code> in PyTorch, a call guarded by a "
     "<code>training</code> flag in TensorFlow. Both zero a unit with the given probability and scale the rest "
     "up, but they draw their masks from different generators, so the two drop different units (two "
     "independent masks at rate 0.5 agree on about half of them): the frameworks' losses are compared with "
     "dropout off."),
    ("First layer: dense, sparse or a bag of words", "model.py", ["sparse layer", "bag layer", "FIRST_LAYERS"],
     "The same sum three ways: a dense batch times the weight matrix (<code>nn.Linear</code>, <code>tf.matmul</code>), "
     "a sparse batch times it, or each post adding up the weight rows of its words, each scaled by the word's "
     "value in the post (a count in the tutorial recipe, a tf-idf weight in the clean one): an <em>embedding "
     "bag</em>. PyTorch has that as one kernel, <code>F.embedding_bag</code>, reading where each post starts "
     "(offsets); TensorFlow writes it as <code>tf.gather</code> and <code>unsorted_segment_sum</code>, reading "
     "which post each entry belongs to (<code>post_of</code>), which XLA can compile; "
     "<code>tf.nn.embedding_lookup_sparse</code> is TensorFlow's own API for the same sum (LESSONS §5 times the "
     "two). Which form is fastest depends on the framework and the size (docs/benchmarks.md has each one's "
     "epoch). Its gradient in TensorFlow is a <code>tf.IndexedSlices</code> "
     "with a row per word occurrence, which Keras' Adam must not see raw (see the training step)."),
    ("Weights in, logits out", "model.py", ["MODULES", "Model", "build_model", "load_weights", "logits", "variables"],
     "Both start from the same arrays made in <code>shared/weights.py</code>. <code>nn.Linear</code> stores its weight "
     "as (out, in) and computes x·Wᵀ, so PyTorch copies the transposes; <code>tf.matmul</code> takes the (in, out) "
     "layout as it is, inside <code>tf.Variable</code>s created under <code>tf.device</code>. <code>logits</code>: "
     "PyTorch calls the module, which runs its <code>forward</code> with the mode set on the module; TensorFlow's "
     "function is simply called, with the mode passed in."),
    ("The loss and Adam", "train.py", ["loss_function", "make_optimizer"],
     "Adam keeps two running averages per weight: m of the gradient and v of its square. Both start at zero, so "
     "early on they are too small; <em>bias correction</em> divides them by 1-β₁ᵗ and 1-β₂ᵗ at step t, giving "
     "m̂ and v̂. The step is lr · m̂ / (√v̂ + ε). PyTorch adds ε there, after bias correction; Keras adds its ε "
     "before it, to √v, which the Adam paper calls ε̂. The same number is then not the same ε: measured here, "
     "that difference alone parts the two loss curves by 0.1 % within 1-2 steps instead of 9-13 (tutorial recipe; "
     "docs/accuracy.md, \"How close are the two implementations?\"). <code>fused=True</code> makes PyTorch's CPU Adam one "
     "kernel per tensor; Keras builds its slots up front so no variable is created inside a traced function."),
    ("One training step", "train.py", ["compute_loss", "train_step"],
     "PyTorch accumulates into <code>.grad</code>, so each step zeroes it, <code>backward()</code> fills it and "
     "<code>step()</code> reads it. TensorFlow records the forward pass on a tape and passes the gradients "
     "explicitly to <code>apply_gradients</code>, made dense first: Keras' Adam would square a bag's "
     "<code>IndexedSlices</code> row by row before adding a word's repeats, another update than the dense one."),
    ("The training loop", "train.py", ["train_epoch", "seed_randomness", "train", "feeder"],
     "The same loop, line for line, over the same batches. Each epoch's batches are made before it starts where "
     "an epoch fits in 2 GB (else one at a time); the losses stay on the device until the epoch ends, so nothing "
     "waits for the device mid-epoch. Which step runs "
     "(<code>hp.step</code>) is the last part's subject: by default each framework's fastest exact one, which is "
     "<code>train_step</code> as it stands (eager in PyTorch, traced by <code>tf.function</code> in TensorFlow), "
     "with one change in TensorFlow: for dense and sparse input it runs Keras' Adam update as one kernel per "
     "tensor (<code>FusedAdam</code>, the same update), and for the bag of words it takes the captured step."),
    ("Evaluation", "train.py", ["predicted_classes", "predict", "evaluate"],
     "<code>torch.inference_mode()</code> stops autograd recording what only predicts; outside a tape TensorFlow "
     "records nothing. PyTorch's forward pass runs eagerly, as its step does; TensorFlow's is traced by "
     "<code>tf.function</code>, as its step is, rather than dispatched op by op from Python. Both read the "
     "predictions back to numpy, which waits for the device. A sparse or bag test split is predicted in one "
     "batch, a dense one in batches of 150 (each a column per word of the vocabulary). TensorFlow's bag goes "
     "further: its slicing and forward pass compiled as one program (last part)."),
    ("Threads, determinism and devices", "device.py", ["configure_threads", "configure_determinism", "resolve_device",
                                                       "device_name", "versions"],
     "PyTorch takes a thread count at any time; TensorFlow fixes its thread pools at its first op, so the count is "
     "set before anything runs. Determinism is a switch in both; cuBLAS also needs a fixed workspace, set "
     "through an environment variable before its first call. A device is a <code>torch.device</code> that tensors "
     "are moved to, or a <code>tf.device</code> scope that ops are placed under."),
    # Making it fast
    ("Eager, traced, compiled or captured", "train.py", ["make_train_step"],
     "PyTorch runs each op as Python reaches it (eager); <code>torch.compile</code> is the opt-in graph. TensorFlow 2 "
     "is eager too, but the tutorial's graph comes back as <code>tf.function</code>, which traces the step on its "
     "first call; <code>jit_compile=True</code> adds XLA, which compiles one program per input shape. A sparse "
     "or bag batch has a new number of entries every step, so the project refuses <code>--step compiled</code> "
     "for them in TensorFlow (<code>shared/config.py</code>) rather than compile every step. The "
     "<em>captured</em> step pads every batch to one shape so the whole step is recorded once: a CUDA graph "
     "in PyTorch, an XLA program in TensorFlow."),
    ("One shape for every batch", "fast.py", ["pad", "Rows", "captured_feeder", "padded_take", "masked_loss",
                                              "padded_step"],
     "A padded batch has the run's fullest batch's number of word entries (computed from the seed's batch order "
     "before training, <code>shared/padding.py</code>) and a full batch's number of posts. Extra entries have value "
     "0, so they add nothing; extra posts are masked out of the loss, whose mean is over the real posts only. "
     "Same loss and gradients as unpadded (tested). TensorFlow's feeder hands the step the batch's rows, padded "
     "to a full batch with rows past the corpus' last post (XLA's gather reads them as empty posts), and "
     "<code>padded_take</code> slices and pads them inside the step's XLA program: op by op that is about thirty "
     "ops, each dispatched from Python, where PyTorch's eager slicing is a dozen cheap kernels. It gives the "
     "same batch as <code>pad</code> (tested), and a run compiles one program, short last batch included."),
    ("Capturing a step", "fast.py", ["sliced_step", "captured_step", "captured"],
     "A CUDA graph replays recorded kernels on recorded memory: the batch is copied into the captured input "
     "tensors, and the captured loss is cloned before the next replay overwrites it. Recording runs no kernels, "
     "so one warm-up step first makes Adam's state; the weights and that state are then put back, and the first "
     "replay is step one. TensorFlow needs no such helper: XLA compiles the padded step, with its slicing, inside "
     "<code>tf.function</code>. <strong>Not yet run on a GPU:</strong> only its plumbing is tested, on the CPU."),
    ("A bag's prediction, compiled whole", "fast.py", ["compiled_classes", "predicted_bag"],
     "TensorFlow's evaluation of a bag: slicing the test split and predicting it are one XLA program, compiled "
     "on the first call for the split's number of word entries (counted on the host, so nothing waits for the "
     "device). Run op by op, or traced without XLA, TensorFlow writes out every intermediate (the gathered "
     "weight rows alone are entries × 100 floats) where PyTorch's <code>embedding_bag</code> adds them up as "
     "it reads them. The same classes as the traced and the eager prediction (tested). PyTorch needs no such "
     "helper: its eager slicing and bag are already a few kernels."),
    ("Adam in one kernel per tensor", "fast.py", ["FusedAdam"],
     "PyTorch's <code>fused=True</code> updates each weight tensor in one kernel. Keras 3's Adam writes the update "
     "as a chain of element-wise ops, and traced by <code>tf.function</code> each is a pass over all the weights. "
     "TensorFlow keeps a fused kernel too, <code>ResourceApplyAdam</code>, which TF 1's "
     "<code>tf.train.AdamOptimizer</code> ran: the same formula with Keras' placement of ε, so the same update "
     "(tested against Keras' Adam and against PyTorch's). The <code>fused</code> step is the traced step with it; "
     "PyTorch's standard step is already fused. Under XLA both Adams compile to one loop, so the captured step "
     "keeps Keras'."),
    ("Host-fed batches", "fast.py", ["to_tensors"],
     "The way the tutorials fed the network, kept so the benchmark can show what feeding costs: a numpy batch "
     "made on the host and copied in every step. <code>torch.from_numpy</code> shares numpy's buffer and "
     "<code>.to(device)</code> moves it; TensorFlow converts inside a <code>tf.device</code> scope."),
    ("Keras' optimizer without its replica sum", "fast.py", ["without_replica_sum"],
     "Keras' optimizer first sums each gradient over a distribution strategy's replicas, which PyTorch's Adam has "
     "no notion of. On one device the sum is the gradient itself, so skipping it leaves the update as it was (the "
     "parity tests); traced inside <code>tf.function</code>, it kept every run's weights and Adam moments alive "
     "until the process ended. The method replaced is private Keras, so a Keras without it is refused in one line."),
    ("What the device can do at best", "measure.py", ["synchronize", "adam_floor_seconds", "reset_peak_memory",
                                                      "peak_memory_mb"],
     "The benchmark's floor for an epoch on a GPU: the memory traffic of Adam's update, timed with the framework's "
     "own element-wise ops on the device that trains, waiting for it (<code>torch.cuda.synchronize</code> for one "
     "device; <code>tf.test.experimental.sync_devices</code> for all of them). On the CPU the floor is numpy's "
     "passes on the same threads (<code>benchmarks/peers.py</code>), the same for both frameworks. Peak device memory is reset and "
     "read per case. The GPU paths are not yet run on a GPU."),
    ("Where a step's time goes", "measure.py", ["step_parts", "top_operations"],
     "What <code>newsgroups-mlp profile</code> prints: the step and its nested parts, each run the way the step "
     "runs and timed as the median of many calls, waiting for the device after each. TensorFlow traces each part "
     "with <code>tf.function</code> (and XLA where the step uses it); PyTorch runs them eagerly, or through "
     "<code>torch.compile</code> where the step is compiled. PyTorch's profiler gives a table of operations in "
     "Python; TensorFlow's writes a trace that TensorBoard's profile plugin reads."),
    ("Parameters, gradients and a fresh start", "measure.py", ["parameters_as_numpy", "loss_and_gradients", "reset"],
     "What the parity tests compare: PyTorch keeps each gradient on its parameter (<code>.grad</code>); TensorFlow "
     "hands gradients back as values, so reading them needs the list <code>tape.gradient</code> returned. "
     "<code>reset</code> lets the benchmark trace or compile a step before its clock and then train from step one: "
     "PyTorch's Adam makes its state again when it is cleared; Keras' keeps its step count and moments in "
     "variables, which a traced step holds on to, so they are zeroed in place."),
]
FAST_FROM = 9  # the index of the first section of "Making it fast"


def public_names(path):
    """Top-level public definitions of a file, in order: functions, classes and assigned names."""
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return [n for n in names if not n.startswith("_")]


def implementation_files(framework):
    return sorted(p.name for p in (ROOT / PACKAGES[framework]).glob("*.py"))


def source_of(framework, file, name):
    """(first line number, lines) of top-level `name` in the file, with the comment lines just above it."""
    name = NAMES[name][framework] if name in NAMES else name
    path = ROOT / PACKAGES[framework] / file
    lines = path.read_text().splitlines()
    for node in ast.parse(path.read_text()).body:
        defined = [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else \
            [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if name in defined:
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1
            return start + 1, lines[start:node.end_lineno]
    raise LookupError(f"{PACKAGES[framework]}/{file} has no {name}")


def piece(framework, file, name):
    """(first line number, lines) of `name` on this side, or (None, a line naming the side that has it)."""
    if ONE_SIDED.get(name, framework) != framework:
        return None, [f"# {name}: {FRAMEWORK_NAMES[ONE_SIDED[name]]} only"]
    return source_of(framework, file, name)


STYLE_OF = get_style_by_name("default")


def highlighted(lines):
    """Each line of Python as HTML, coloured by pygments' default style, one string per line (a token that spans
    lines, like a docstring, is cut at each line end so a line is a table cell of its own)."""
    out = [""]
    for kind, text in PythonLexer(stripnl=False, ensurenl=False).get_tokens("\n".join(lines)):
        style = STYLE_OF.style_for_token(kind)
        css = ";".join([f"color:#{style['color']}"] * bool(style["color"]) + ["font-weight:bold"] * style["bold"]
                       + ["font-style:italic"] * style["italic"])
        for i, part in enumerate(text.split("\n")):
            if i:
                out.append("")
            if part:
                out[-1] += f'<span style="{css}">{html.escape(part)}</span>' if css else html.escape(part)
    return out + [""] * (len(lines) - len(out))


def aligned(torch_lines, tf_lines):
    """Rows (torch index or None, tf index or None, differs): the two sides' lines paired as a split diff pairs
    them. A line the same on both sides (stripped of its indent) shares a row and is not marked; the rest are."""
    rows = []
    matcher = difflib.SequenceMatcher(None, [x.strip() for x in torch_lines], [x.strip() for x in tf_lines],
                                      autojunk=False)
    for kind, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = list(range(i1, i2)), list(range(j1, j2))
        pairs = zip(left, right) if kind == "equal" else \
            zip(left + [None] * (len(right) - len(left)), right + [None] * (len(left) - len(right)))
        rows += [(i, j, kind != "equal") for i, j in pairs]
    return rows


def span(numbered):
    """'lines 12-30, 41-52' for the pieces' (first line, lines)."""
    runs = [f"{first}-{first + len(lines) - 1}" if len(lines) > 1 else f"{first}" for first, lines in numbered
            if first is not None]
    if not runs:
        return "not on this side"
    return f"line{'s' if len(runs) > 1 or '-' in runs[0] else ''} {', '.join(runs)}"


def section_rows(file, names):
    """The section's table rows and, per side, its pieces' (first line, lines)."""
    rows, numbered = [], {"torch": [], "tf": []}
    for name in names:
        (t0, t), (f0, f) = piece("torch", file, name), piece("tf", file, name)
        numbered["torch"].append((t0, t))
        numbered["tf"].append((f0, f))
        if rows:
            rows.append('<tr class="gap"><td colspan="4"></td></tr>')
        marks = {"torch": highlighted(t), "tf": highlighted(f)}
        for i, j, differs in aligned(t, f):
            cells = []
            for side, first, k in (("torch", t0, i), ("tf", f0, j)):
                number = "" if k is None or first is None else first + k
                code = "" if k is None else marks[side][k]
                cells.append(f'<td class="n">{number}</td><td class="code {side}">{code}</td>')
            rows.append(f'<tr{" class=differs" if differs else ""}>{"".join(cells)}</tr>')
    return rows, numbered


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1600px; padding: 0 16px; color: #1d1d1f; }
header { border-bottom: 1px solid #ddd; padding-bottom: 8px; }
nav ol { columns: 2; }
section { border-top: 1px solid #ddd; padding: 8px 0 16px; }
.why { max-width: 900px; }
table.pair { width: 100%; table-layout: fixed; border-collapse: collapse; font: 12px/1.35 ui-monospace, monospace; }
table.pair col.n { width: 3.2em; }
table.pair th { font: 600 13px system-ui, sans-serif; text-align: left; background: #ececec; padding: 4px 8px; }
table.pair td { vertical-align: top; padding: 0 6px; }
table.pair td.n { color: #999; text-align: right; user-select: none; padding-right: 4px; }
table.pair td.code { white-space: pre-wrap; overflow-wrap: break-word; background: #f8f8f8;
                     border-left: 1px solid #e3e3e3; padding-left: 3em; text-indent: -2.5em; }
table.pair tr.differs td.code { background: #fff5d6; }
table.pair tr.differs td.n { box-shadow: inset 3px 0 #e0a800; }
tr.gap td { height: 10px; }
details.fast > summary { font-size: 1.4em; font-weight: bold; cursor: pointer; padding: 12px 0; }
"""


def section_html(number, title, file, names, why, out_folder):
    rows, numbered = section_rows(file, names)
    heads = []
    for side in FRAMEWORKS:
        path = f"{PACKAGES[side]}/{file}"
        href = os.path.relpath(ROOT / path, out_folder) if out_folder else path
        heads.append(f'<th colspan="2">{FRAMEWORK_NAMES[side]} · <a href="{html.escape(href)}">{path}</a>, '
                     f'{span(numbered[side])}</th>')
    return (f'<section id="s{number}"><h2>{number}. {html.escape(title)}</h2><p class="why">{why}</p>'
            f'<table class="pair"><colgroup><col class="n"><col><col class="n"><col></colgroup>'
            f'<tr>{"".join(heads)}</tr>{"".join(rows)}</table></section>')


def render(out_folder=None):
    """The page, its links to the source relative to `out_folder` (the folder it is written to; None: the
    project's root)."""
    out_folder = out_folder and Path(out_folder).resolve()
    parts = [section_html(n, *section, out_folder) for n, section in enumerate(SECTIONS, 1)]
    toc = [f'<li value="{n}"><a href="#s{n}">{html.escape(title)}</a></li>' for n, (title, *_) in enumerate(SECTIONS, 1)]
    lesson, fast = "".join(parts[:FAST_FROM]), "".join(parts[FAST_FROM:])
    notebook = os.path.relpath(ROOT / NOTEBOOK, out_folder) if out_folder else str(NOTEBOOK)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>newsgroups-mlp: PyTorch and TensorFlow side by side</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body><header><h1>One MLP, two frameworks</h1>
<p>A bag-of-words classifier for 20 Newsgroups posts: vocabulary → 100 → 100 → classes, ReLU, cross-entropy,
Adam, batches of 150. Each section says what differs and why, then shows the PyTorch code (left) and the
TensorFlow code (right), cut from <code>torch_impl/</code> and <code>tf_impl/</code> as they are now, with their
line numbers. The two load the same initial weights and train on the same batches. Lines the same on both sides
share a row; <span style="background:#fff5d6">lines that differ are marked</span>. To run the same code cell by
cell, both frameworks' numbers printed side by side: <a href="{html.escape(notebook)}">the tutorial notebook</a>.</p>
<nav><ol>{"".join(toc[:FAST_FROM])}</ol><p><a href="#fast">Making it fast</a> (folded, after the lesson):</p>
<ol>{"".join(toc[FAST_FROM:])}</ol></nav></header>
<main id="lesson">{lesson}</main>
<details class="fast" id="fast"><summary>Making it fast</summary><p class="why">Everything above is the network
and its training as a learner reads them. What follows exists for speed and for measuring it: other versions of
the same step, batches of one shape, and the floors the benchmark divides by. None of it changes what is computed
(the parity tests hold each form to the plain one).</p>{fast}</details>
<script>
function unfold() {{ if (location.hash && document.querySelector('#fast ' + location.hash)) document.getElementById('fast').open = true; }}
unfold(); window.addEventListener('hashchange', unfold);
</script>
</body></html>
"""
