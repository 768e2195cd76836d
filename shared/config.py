"""Hyperparameters: the tutorials' values by default, every one overridable."""

from dataclasses import dataclass, replace

from shared.dataset import TUTORIAL_CATEGORIES

FRAMEWORKS = ("torch", "tf")
INPUTS = ("dense", "sparse")
# What each tutorial initialised with; in the clean recipe both frameworks start from one scheme.
TUTORIAL_INIT = {"torch": "torch", "tf": "normal"}
CLEAN_INIT = "glorot"
RECIPE_INPUT = {"tutorial": "dense", "noleak": "dense", "clean": "sparse"}


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
    categories: tuple = TUTORIAL_CATEGORIES

    def resolved(self, framework):
        """A copy with `input` and `init` filled in for `framework`."""
        init = self.init or (CLEAN_INIT if self.recipe == "clean" else TUTORIAL_INIT[framework])
        return replace(self, input=self.input or RECIPE_INPUT[self.recipe], init=init)
