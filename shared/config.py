"""Hyperparameters: the tutorials' values by default, every one overridable."""

from dataclasses import dataclass, replace

from shared.dataset import TUTORIAL_CATEGORIES
from shared.errors import UserError

FRAMEWORKS = ("torch", "tf")
INPUTS = ("dense", "sparse", "bag")
# How a training step runs: the framework's standard way (eager PyTorch, tf.function), compiled
# (torch.compile, XLA), or captured whole with the same shapes every step (a CUDA graph of a padded
# step in PyTorch, which needs a GPU; the padded step under XLA in TensorFlow).
STEPS = ("standard", "compiled", "captured")
# What each tutorial initialised with; in the clean recipe both frameworks start from one scheme.
TUTORIAL_INIT = {"torch": "torch", "tf": "normal"}
CLEAN_INIT = "glorot"
RECIPE_INPUT = {"tutorial": "dense", "noleak": "dense", "clean": "bag"}


@dataclass(frozen=True)
class Hyperparameters:
    recipe: str = "tutorial"
    input: str | None = None  # None: see RECIPE_INPUT
    init: str | None = None  # None: see TUTORIAL_INIT and CLEAN_INIT
    seed: int = 0
    epochs: int = 10
    batch_size: int = 150
    hidden: int = 100
    lr: float = 0.01
    # Both tutorials ran with ε = 1e-8 (PyTorch's default, and TF 1's AdamOptimizer's); Keras 3
    # defaults to 1e-7. The two frameworks put ε in different places: see each train.py.
    adam_eps: float = 1e-8
    dropout: float = 0.0
    categories: tuple = TUTORIAL_CATEGORIES
    step: str = "standard"
    deterministic: bool = False

    def resolved(self, framework):
        """A copy with `input` and `init` filled in for `framework`; refuses what cannot run."""
        init = self.init or (CLEAN_INIT if self.recipe == "clean" else TUTORIAL_INIT[framework])
        hp = replace(self, input=self.input or RECIPE_INPUT[self.recipe], init=init)
        if hp.step == "captured" and hp.input != "bag":
            raise UserError(f"--step captured pads a bag of words to one shape: it needs --input bag, not {hp.input}")
        if hp.step == "compiled" and hp.input != "dense" and framework == "tf":
            raise UserError(f"--step compiled: XLA compiles once per shape and a {hp.input} batch changes shape "
                            f"every step; use --step captured (the padded bag) for TensorFlow")
        return hp
