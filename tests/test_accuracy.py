"""The tutorials' results, reproduced and explained, on the real data (mean over seeds).

The tutorial recipe runs here in the bag form, not the tutorials' dense one: the same network and the same
numbers (tests/test_parity.py holds the forms to the same logits, loss, gradients and losses), trained in a
sixth of the time, which is what keeps the suite within ten minutes on two cores. A seed's accuracy is not
the dense run's to the digit: with lr 0.01 on raw word counts the tutorial recipe's largest loss in an epoch
jumps between 0.0001 and 1.1 from one epoch to the next, so the two forms' different rounding of the first
layer's sum grows until each run ends elsewhere in the seed-to-seed spread (0.83-0.95 in either form).
"""

import numpy as np
import pytest

from tests.helpers import needs

pytestmark = pytest.mark.real_data


def mean_accuracy(real_runs, framework, seeds, **overrides):
    return float(np.mean([real_runs(framework, seed=seed, **overrides).test_accuracy for seed in seeds]))


def tutorial_accuracy(real_runs, framework, seeds, **overrides):
    return mean_accuracy(real_runs, framework, seeds, form="bag", **overrides)


@needs("torch")
def test_pytorch_tutorial_reaches_its_91_percent(real_runs):
    assert tutorial_accuracy(real_runs, "torch", range(3)) >= 0.88


@needs("tf")
def test_tensorflow_tutorial_lands_near_its_75_percent(real_runs):
    assert 0.65 <= tutorial_accuracy(real_runs, "tf", range(3)) <= 0.82


@needs("tf")
def test_tensorflow_with_pytorchs_init_reaches_pytorchs_accuracy(real_runs):
    # Five seeds: one seed's accuracy ranges over 0.83-0.95.
    assert tutorial_accuracy(real_runs, "tf", range(5), init="torch") >= 0.88


@needs("torch")
def test_pytorch_with_the_tensorflow_tutorials_init_drops_to_its_accuracy(real_runs):
    assert tutorial_accuracy(real_runs, "torch", range(5), init="normal") <= 0.82


BOTH = [pytest.param("torch", marks=needs("torch")), pytest.param("tf", marks=needs("tf"))]


@pytest.mark.parametrize("framework", BOTH)
def test_clean_recipe_reaches_97_percent(real_runs, framework):
    # Within a point of the best linear model on the same features (LinearSVC, 0.97-0.98).
    assert mean_accuracy(real_runs, framework, range(5), recipe="clean") >= 0.970


@needs("torch", "tf")
def test_same_weights_and_batches_give_the_same_accuracy_over_seeds(real_runs):
    # The clean recipe: its seed-to-seed spread (~0.2 points) lets 5 seeds resolve a 1-point gap;
    # the tutorial recipe's (~3 points) does not (there: PyTorch 0.929, TensorFlow 0.908).
    torch_mean, tf_mean = (mean_accuracy(real_runs, f, range(5), recipe="clean") for f in ("torch", "tf"))
    assert abs(torch_mean - tf_mean) <= 0.01


@pytest.mark.parametrize("framework", BOTH)
def test_clean_recipe_on_all_20_groups_reaches_85_percent(real_runs, framework):
    # One seed: a 20-group training takes a quarter minute or more here, and the clean recipe's seed-to-seed
    # spread on all 20 groups is under a point (results/cpu-2core-epyc/accuracy.csv, three seeds: 0.857-0.864).
    from shared.dataset import CATEGORIES
    assert mean_accuracy(real_runs, framework, range(1), recipe="clean", categories=CATEGORIES) >= 0.85
