"""Hyperparameters: the tutorials' values by default, every one overridable."""

from dataclasses import dataclass, replace

from shared.dataset import TUTORIAL_CATEGORIES
from shared.errors import UserError

FRAMEWORKS = ("torch", "tf")  # the ids: in flags, records and file names
FRAMEWORK_NAMES = {"torch": "PyTorch", "tf": "TensorFlow"}  # the names: in tables, figures and pages
FORMS = ("dense", "sparse", "bag")  # the input form: what the first layer reads (shared/batches.py)
# What each tutorial initialised with; in the clean recipe both frameworks start from one scheme.
TUTORIAL_INIT = {"torch": "torch", "tf": "normal"}
CLEAN_INIT = "glorot"
RECIPE_FORM = {"tutorial": "dense", "noleak": "dense", "clean": "bag"}
# The clean recipe's learning rate and regularisation, chosen on a validation split carved from the
# training posts (docs/accuracy.md: "How the clean recipe was chosen"); the tutorials' lr 0.01 and no dropout.
RECIPE_LR = {"tutorial": 0.01, "noleak": 0.01, "clean": 0.003}
RECIPE_DROPOUT = {"tutorial": 0.0, "noleak": 0.0, "clean": 0.5}


@dataclass(frozen=True)
class Hyperparameters:
    recipe: str = "tutorial"
    form: str | None = None  # the input form (--input); None: see RECIPE_FORM
    init: str | None = None  # None: see TUTORIAL_INIT and CLEAN_INIT
    seed: int = 0
    epochs: int = 10
    batch_size: int = 150
    hidden: int = 100
    lr: float | None = None  # None: see RECIPE_LR
    # Both tutorials ran with ε = 1e-8 (PyTorch's default, and TF 1's AdamOptimizer's); Keras 3
    # defaults to 1e-7. The two frameworks put ε in different places: see each train.py.
    adam_eps: float = 1e-8
    dropout: float | None = None  # None: see RECIPE_DROPOUT
    categories: tuple = TUTORIAL_CATEGORIES
    remove: tuple = ()  # parts of each post scikit-learn strips: headers, footers, quotes
    validation: float = 0.0  # > 0: evaluate on this fraction of the training posts, never the test set
    step: str = "auto"  # see FASTEST_STEP, at the end of this file
    deterministic: bool = False

    def resolved(self, framework, device="cpu"):
        """A copy with `form`, `init`, `lr`, `dropout` and an auto `step` filled in for `framework` on `device`
        ('cpu' or 'gpu'); refuses what cannot run."""
        init = self.init or (CLEAN_INIT if self.recipe == "clean" else TUTORIAL_INIT[framework])
        dropout = RECIPE_DROPOUT[self.recipe] if self.dropout is None else self.dropout
        form = self.form or RECIPE_FORM[self.recipe]
        step = FASTEST_STEP[framework, device][form] if self.step == "auto" else self.step
        if step == "fused" and framework == "torch":
            step = "standard"  # PyTorch's standard step already runs its fused Adam (torch_impl/train.py)
        if self.step == "auto" and self.deterministic and dropout and (framework, step) in UNSEEDED_DROPOUT:
            step = "standard"
        hp = replace(self, form=form, init=init, dropout=dropout, lr=self.lr or RECIPE_LR[self.recipe], step=step)
        if hp.step == "captured" and hp.form != "bag":
            raise UserError(f"--step captured pads a bag of words to one shape: it needs --input bag, not {hp.form}")
        if hp.step == "compiled" and hp.form != "dense" and framework == "tf":
            # The project's own guard: XLA compiles a program per input shape, and a sparse or bag batch
            # has a new number of entries every step, so it would compile every step.
            raise UserError(f"--step compiled: XLA compiles once per shape and a {hp.form} batch changes shape "
                            f"every step; use --step captured (the padded bag) for TensorFlow")
        return hp


# Making it fast: how a training step can run, and which way --step auto takes. The lesson's step is the
# standard one; the others compute the same thing faster (the parity tests hold them to it).
# How a training step runs: each framework's standard way, with Adam fused (one kernel per tensor), compiled,
# or captured whole with the same shapes every step (a padded batch). What each is in each framework:
STEP_NAMES = {"torch": {"standard": "eager", "compiled": "torch.compile", "captured": "CUDA graph, padded"},
              "tf": {"standard": "traced (tf.function)", "fused": "traced, fused Adam", "compiled": "XLA",
                     "captured": "XLA, padded"}}
STEPS = ("auto", *STEP_NAMES["tf"])
# --step auto: each framework's fastest exact step for each input form and device, as the benchmark's
# train-epoch groups measure them in the kept run FASTEST_STEP_RUN (its report.md: each group's rows, seconds an
# epoch; tests/test_benchmark_rules.py holds each choice within a tenth of the fastest there).
# PyTorch: eager everywhere (its Adam is fused; torch.compile lands within about a tenth of it either way on the
# CPU, measured in one process, and costs a compile; its CUDA graph waits for a GPU run that shows it gives the
# eager step's losses). TensorFlow: the captured step on the bag; dense and sparse traced with the fused Adam
# kernel (XLA refuses sparse; on dense it beat the fused step on all 20 groups by less than a tenth and lost on 3).
# GPU: not yet measured, so the same choices as the CPU's.
FASTEST_STEP_RUN = "results/cpu-2core-epyc"
FASTEST_STEP = {("torch", "cpu"): {"dense": "standard", "sparse": "standard", "bag": "standard"},
                ("torch", "gpu"): {"dense": "standard", "sparse": "standard", "bag": "standard"},
                ("tf", "cpu"): {"dense": "fused", "sparse": "fused", "bag": "captured"},
                ("tf", "gpu"): {"dense": "fused", "sparse": "fused", "bag": "captured"}}
# Steps whose dropout masks the seed does not fix: XLA draws them with its own generator, which
# tf.random.set_seed does not reach, so the same seed twice gives other masks. With --deterministic and
# dropout on, --step auto takes the traced step instead (the same losses every time, tested).
UNSEEDED_DROPOUT = {("tf", "compiled"), ("tf", "captured")}
