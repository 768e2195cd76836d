"""The two implementations are the same network: same weights and batch give the same numbers."""

import importlib

import numpy as np
import pytest

from shared.batches import prepare
from shared.config import Hyperparameters
from shared.runner import PACKAGES
from shared.weights import initial_weights
from tests.conftest import needs

pytestmark = needs("torch", "tf")


def impl(framework):
    package = PACKAGES[framework]
    return importlib.import_module(f"{package}.model"), importlib.import_module(f"{package}.train")


def one_pass(framework, initial, x, y):
    """(logits, loss, gradients) of one forward and backward pass on the CPU."""
    model_module, train_module = impl(framework)
    device = "cpu" if framework == "torch" else "/CPU:0"
    model = model_module.build_model(initial, device)
    tx, ty = model_module.to_tensors(x, y, device)
    logits = np.asarray(model_module.forward(model, tx).detach() if framework == "torch"
                        else model_module.forward(model, tx))
    loss, gradients = train_module.loss_and_gradients(model, tx, ty)
    return logits, loss, gradients


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def assert_same_pass(batches, init="torch", seed=0):
    x, y = batches.epoch(0)[0]
    initial = initial_weights(init, batches.features.vocab_size, 100, batches.n_classes, seed)
    (t_logits, t_loss, t_grads), (f_logits, f_loss, f_grads) = (one_pass(f, initial, x, y) for f in ("torch", "tf"))
    assert np.abs(t_logits - f_logits).max() <= 1e-5 * max(1.0, np.abs(t_logits).max())
    assert abs(t_loss - f_loss) <= 1e-6 * abs(t_loss)
    for group in (0, 1):
        for name in t_grads[group]:
            assert t_grads[group][name].shape == f_grads[group][name].shape
            assert relative(f_grads[group][name], t_grads[group][name]) <= 1e-4, name
    return t_grads


@pytest.mark.parametrize("recipe", ["tutorial", "clean"])
def test_same_pass_on_tiny_corpus(tiny_corpus, recipe):
    grads = assert_same_pass(prepare(tiny_corpus, Hyperparameters(recipe=recipe, batch_size=16).resolved("torch")))
    assert np.abs(grads[0]["h1"]).max() > 0  # a real gradient, not zeros agreeing with zeros


@pytest.mark.real_data
@pytest.mark.parametrize("recipe", ["tutorial", "clean"])
def test_same_pass_on_real_batch(real_corpus, recipe):
    assert_same_pass(prepare(real_corpus, Hyperparameters(recipe=recipe).resolved("torch")))


def test_torch_scheme_is_what_nn_linear_does():
    import torch
    layer = torch.nn.Linear(2000, 100)
    ours, _ = initial_weights("torch", 2000, 100, 3, seed=0)
    bound = 1 / np.sqrt(2000)
    assert abs(layer.weight.abs().max().item() - np.abs(ours["h1"]).max()) < 0.01 * bound
    assert abs(layer.weight.std().item() - ours["h1"].std()) < 0.01 * ours["h1"].std()
    assert 0.9 * bound < layer.bias.abs().max().item() <= bound


def first_steps(real_runs, n=5, **overrides):
    return [np.array(real_runs(f, **overrides).step_losses[:n]) for f in ("torch", "tf")]


# PyTorch adds Adam's ε after bias correction, Keras before (see tf_impl/train.py): with the same
# ε = 1e-8 the two take measurably different steps from step 2 on. With ε = 1e-16 both conventions
# vanish next to √v, and what is left is float32 rounding.
CONVENTION_FREE_EPS = 1e-16


@pytest.mark.real_data
@pytest.mark.parametrize("recipe", ["tutorial", "clean"])
@pytest.mark.parametrize("seed", [0, 1])
def test_training_losses_agree_for_the_first_steps(real_runs, recipe, seed):
    torch_losses, tf_losses = first_steps(real_runs, recipe=recipe, init="torch", epochs=1, seed=seed,
                                          adam_eps=CONVENTION_FREE_EPS)
    np.testing.assert_allclose(tf_losses, torch_losses, rtol=1e-3)


@pytest.mark.real_data
def test_epsilon_convention_moves_the_trajectory(real_runs):
    gaps = {}
    for eps in (1e-8, CONVENTION_FREE_EPS):
        torch_losses, tf_losses = first_steps(real_runs, recipe="tutorial", init="torch", epochs=1, adam_eps=eps)
        gaps[eps] = np.abs(tf_losses - torch_losses).max() / torch_losses.max()
    assert gaps[1e-8] > 1e-3 > gaps[CONVENTION_FREE_EPS] and gaps[1e-8] > 10 * gaps[CONVENTION_FREE_EPS]


@pytest.mark.real_data
@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_dense_and_sparse_give_the_same_losses(real_runs, framework):
    dense, sparse = (np.array(real_runs(framework, recipe="clean", input=i, epochs=1).step_losses[:5])
                     for i in ("dense", "sparse"))
    np.testing.assert_allclose(sparse, dense, rtol=1e-4)


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_dense_and_sparse_agree_through_a_tiny_training(tiny_corpus, framework):
    from shared.runner import run
    losses = {}
    for input in ("dense", "sparse"):
        hp = Hyperparameters(recipe="clean", input=input, epochs=3, batch_size=16).resolved(framework)
        losses[input] = run(framework, prepare(tiny_corpus, hp), hp, "cpu", quiet=True).step_losses
    np.testing.assert_allclose(losses["sparse"], losses["dense"], rtol=1e-4, atol=1e-6)


@pytest.mark.real_data
@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("input", ["dense", "sparse"])
def test_same_seed_twice_gives_identical_losses(real_corpus, framework, input):
    from shared.runner import run
    hp = Hyperparameters(recipe="clean", input=input, epochs=2, seed=5).resolved(framework)
    first, second = (run(framework, prepare(real_corpus, hp), hp, "cpu", quiet=True).step_losses for _ in range(2))
    assert first == second
