"""The two implementations are the same network: same weights and batch give the same numbers."""

import importlib

import numpy as np
import pytest

from shared.batches import Bag, prepare
from shared.config import Hyperparameters
from shared.padding import padded_shape
from shared.lab.runner import PACKAGES
from shared.weights import initial_weights
from tests.helpers import needs

pytestmark = needs("torch", "tf")


def impl(framework, *files):
    """The package's modules named `files` (default: model, train, data, fast, measure)."""
    package = PACKAGES[framework]
    return [importlib.import_module(f"{package}.{file}") for file in files or FILES]


FILES = ("model", "train", "data", "fast", "measure")


CPU = {"torch": "cpu", "tf": "/CPU:0"}


def one_pass(framework, initial, x, y, form="dense"):
    """(logits, loss, gradients) of one forward and backward pass on the CPU."""
    model_module, fast, measure = impl(framework, "model", "fast", "measure")
    device = CPU[framework]
    model = model_module.build_model(initial, device, form)
    tx, ty = fast.to_tensors(x, y, device)
    logits = np.asarray(model_module.logits(model, tx).detach() if framework == "torch"
                        else model_module.logits(model, tx))
    loss, gradients = measure.loss_and_gradients(model, tx, ty)
    return logits, loss, gradients


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def assert_close_passes(a, b):
    (a_logits, a_loss, a_grads), (b_logits, b_loss, b_grads) = a, b
    assert np.abs(a_logits - b_logits).max() <= 1e-5 * max(1.0, np.abs(a_logits).max())
    assert abs(a_loss - b_loss) <= 1e-6 * abs(a_loss)
    for group in (0, 1):
        for name in a_grads[group]:
            assert a_grads[group][name].shape == b_grads[group][name].shape
            assert relative(b_grads[group][name], a_grads[group][name]) <= 1e-4, name


def assert_same_pass(batches, init="torch", seed=0):
    x, y = batches.epoch(0)[0]
    initial = initial_weights(init, batches.features.vocab_size, 100, batches.n_classes, seed)
    torch_pass, tf_pass = (one_pass(f, initial, x, y, batches.form) for f in ("torch", "tf"))
    assert_close_passes(torch_pass, tf_pass)
    return torch_pass[2]


@pytest.mark.parametrize("recipe, form", [("tutorial", "dense"), ("clean", "sparse"), ("clean", "bag")])
def test_same_pass_on_tiny_corpus(tiny_corpus, recipe, form):
    hp = Hyperparameters(recipe=recipe, form=form, batch_size=16).resolved("torch")
    grads = assert_same_pass(prepare(tiny_corpus, hp))
    assert np.abs(grads[0]["h1"]).max() > 0  # a real gradient, not zeros agreeing with zeros


@pytest.mark.real_data
@pytest.mark.parametrize("recipe, form", [("tutorial", "dense"), ("clean", "sparse"), ("clean", "bag")])
def test_same_pass_on_real_batch(real_corpus, recipe, form):
    assert_same_pass(prepare(real_corpus, Hyperparameters(recipe=recipe, form=form).resolved("torch")))


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_dense_sparse_and_bag_give_the_same_pass(tiny_corpus, framework):
    """Same weights, same posts: the three first-layer forms give the same logits, loss and gradients."""
    passes = {}
    for form in ("dense", "sparse", "bag"):
        batches = prepare(tiny_corpus, Hyperparameters(recipe="clean", form=form, batch_size=16).resolved(framework))
        initial = initial_weights("glorot", batches.features.vocab_size, 100, batches.n_classes, 0)
        passes[form] = one_pass(framework, initial, *batches.epoch(0)[0], form)
    assert_close_passes(passes["dense"], passes["sparse"])
    assert_close_passes(passes["dense"], passes["bag"])


def assert_same_batch(framework, form, x, host_x):
    """A batch built on the device holds the host batch's numbers (each of a bag's arrays, a dense or sparse
    batch as a matrix)."""
    if form == "bag":
        for name, host, built in zip(host_x._fields, host_x, x):
            np.testing.assert_array_equal(np.asarray(built), host, err_msg=name)
    else:
        host = host_x if form == "dense" else host_x.toarray()
        built = x.to_dense() if framework == "torch" and form == "sparse" else \
            (__import__("tensorflow").sparse.to_dense(x) if form == "sparse" else x)
        np.testing.assert_array_equal(np.asarray(built), host)


def assert_same_padded_batch(made, padded_here):
    """Two padded bag batches (x, y, mask) hold the same arrays, of the same dtypes."""
    for name, got, want in zip(Bag._fields + ("y", "mask"), (*made[0], *made[1:]), (*padded_here[0], *padded_here[1:])):
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=name)


@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("form", ["dense", "sparse", "bag"])
def test_batches_built_on_the_device_equal_the_host_ones(tiny_corpus, framework, form):
    """take() slices the uploaded corpus on the device (here the CPU one): the same batch as get_batch."""
    data, = impl(framework, "data")
    batches = prepare(tiny_corpus, Hyperparameters(recipe="clean", form=form, batch_size=16).resolved(framework))
    corpus = data.upload(batches.features.train, batches.train_labels, CPU[framework])
    for rows in batches.epoch_rows(1):
        (host_x, host_y), (x, y) = batches.host_batch(rows), data.take(corpus, rows, form)
        np.testing.assert_array_equal(np.asarray(y), host_y)
        assert_same_batch(framework, form, x, host_x)


@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("form", ["dense", "sparse", "bag"])
def test_posts_without_a_word_are_sliced_like_the_rest(framework, form):
    """Empty posts first, between two others and last (where a post starts at the batch's end): the batch
    get_batch makes, in each form."""
    import scipy.sparse
    from shared.batches import get_batch
    data, = impl(framework, "data")
    features = scipy.sparse.csr_matrix(np.array([[0, 0, 0, 0], [1.5, 0, 2, 0], [0, 0, 0, 0], [0, 3, 0, 0.5],
                                                 [0, 0, 0, 0]], dtype=np.float32))
    labels = np.arange(5) % 3
    corpus = data.upload(features, labels, CPU[framework])
    for rows in (np.arange(5), np.array([4, 1, 0, 3, 2]), np.array([0, 2, 4])):
        assert_same_batch(framework, form, data.take(corpus, rows, form)[0], get_batch(features, labels, rows, form)[0])
        if framework == "tf" and form == "bag":  # evaluate's way: the same slicing inside one XLA program
            model_module, train_module, fast = impl(framework, "model", "train", "fast")
            model = model_module.build_model(initial_weights("glorot", 4, 100, 3, 0), CPU[framework], form)
            np.testing.assert_array_equal(fast.predicted_bag(model, corpus, features, rows),
                                          train_module.predict(model, data.take(corpus, rows, form)[0]))
            # and the captured step's slicing (padded_take): rows padded past the corpus' last post, entries read past it
            import tensorflow as tf
            entries = features[rows].nnz
            room = (len(rows) + 2, entries + 3)
            padded_rows = np.pad(rows, (0, 2), constant_values=features.shape[0])  # as captured_feeder pads them
            assert_same_padded_batch(fast.padded_take(corpus, padded_rows, len(rows), tf.constant(entries, tf.int64), room),
                                     fast.pad(*data.take(corpus, rows, form), room))


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_a_padded_bag_gives_the_unpadded_loss_and_gradients(tiny_corpus, framework):
    """The captured step's batch: entries padded with zero weights, posts masked out of the loss."""
    model_module, data, fast, measure = impl(framework, "model", "data", "fast", "measure")
    batches = prepare(tiny_corpus, Hyperparameters(recipe="clean", form="bag", batch_size=16).resolved(framework))
    corpus = data.upload(batches.features.train, batches.train_labels, CPU[framework])
    rows = batches.epoch_rows(0)[-1]  # the short last batch: 72 posts = 4 × 16 + 8
    assert len(rows) < batches.batch_size
    initial = initial_weights("glorot", batches.features.vocab_size, 100, batches.n_classes, 0)
    plain = measure.loss_and_gradients(model_module.build_model(initial, CPU[framework], "bag"),
                                       *data.take(corpus, rows, "bag"))
    shape = padded_shape(batches)
    feeder = fast.captured_feeder(corpus, batches)
    # TensorFlow's captured step slices and pads its batch inside its own program: its feeder gives the Rows
    build = feeder if framework == "torch" else lambda rows: fast.padded_take(*feeder(rows))
    x, y, mask = build(rows)
    assert len(x.words) == shape[1] and len(y) == batches.batch_size and float(np.asarray(mask).sum()) == len(rows)
    for batch in (rows, batches.epoch_rows(2)[0]):  # TensorFlow's compiled slicing and padding: what pad gives
        assert_same_padded_batch(build(batch), fast.pad(*data.take(corpus, batch, "bag"), shape))
    with pytest.raises(ValueError, match="does not fit the padded shape"):  # never cut short
        fast.pad(*data.take(corpus, batches.epoch_rows(0)[0], "bag"), (batches.batch_size, 10))
    longest = np.argsort(np.diff(batches.features.train.indptr))[-batches.batch_size:]
    assert batches.features.train[longest].nnz > shape[1]  # a full batch of posts, more entries than the room
    with pytest.raises(ValueError, match="does not fit the padded shape"):
        build(longest)
    model = model_module.build_model(initial, CPU[framework], "bag")
    if framework == "torch":
        model.zero_grad()
        loss = fast.masked_loss(model, x, y, mask)
        loss.backward()
        padded = loss.item(), measure.parameters_as_numpy(model, gradients=True)
    else:
        import tensorflow as tf
        with tf.GradientTape() as tape:
            loss = fast.masked_loss(model, x, y, mask)
        padded = float(loss), measure.parameters_as_numpy(model, tape.gradient(loss, model_module.variables(model)))
    assert padded[0] == pytest.approx(plain[0], rel=1e-6)
    for group in (0, 1):
        for name in plain[1][group]:
            assert relative(padded[1][group][name], plain[1][group][name]) <= 1e-5, name


def test_tensorflows_captured_step_compiles_once_a_run(tiny_corpus):
    """Full batches and the short last one reach the step in one shape (rows padded past the corpus' last
    post), so XLA compiles the step, its slicing inside, once for the whole run."""
    model_module, train, fast = impl("tf", "model", "train", "fast")
    hp = Hyperparameters(recipe="clean", form="bag", batch_size=16, epochs=2, step="captured").resolved("tf")
    batches = prepare(tiny_corpus, hp)
    assert len(batches.epoch_rows(0)[-1]) < batches.batch_size
    model = model_module.build_model(initial_weights("glorot", batches.features.vocab_size, 100, batches.n_classes, 0),
                                     CPU["tf"], "bag", hp.dropout)
    optimizer, step = train.make_optimizer(model, hp), train.make_train_step("captured", CPU["tf"])
    build = train.feeder(batches, CPU["tf"], "captured")
    for epoch in range(hp.epochs):
        losses = train.train_epoch(model, optimizer, step, batches.epoch(epoch, build))
        assert len(losses) == batches.steps_per_epoch and all(np.isfinite(float(loss)) for loss in losses)
    assert step.experimental_get_tracing_count() == 1


def test_tensorflows_sliced_step_takes_the_traced_steps_steps(tiny_corpus):
    """The captured step, slicing and padding its batch inside its XLA program, against the traced step on the
    batch take slices, from the same weights (dropout off): the same losses and weights over two steps on the
    short last batch, so the same gradients through Adam's second step."""
    model_module, train, measure = impl("tf", "model", "train", "measure")
    hp = Hyperparameters(recipe="clean", form="bag", batch_size=16, dropout=0.0).resolved("tf")
    batches = prepare(tiny_corpus, hp)
    initial = initial_weights("glorot", batches.features.vocab_size, 100, batches.n_classes, 0)
    rows = batches.epoch_rows(0)[-1]
    assert len(rows) < batches.batch_size
    runs = {}
    for kind in ("standard", "captured"):
        model = model_module.build_model(initial, CPU["tf"], "bag")
        optimizer, step = train.make_optimizer(model, hp), train.make_train_step(kind, CPU["tf"])
        batch = train.feeder(batches, CPU["tf"], kind)(rows)
        losses = [float(loss) for loss in train.train_epoch(model, optimizer, step, [batch, batch])]
        runs[kind] = losses, measure.parameters_as_numpy(model)
    (traced_losses, traced), (sliced_losses, sliced) = runs["standard"], runs["captured"]
    np.testing.assert_allclose(sliced_losses, traced_losses, rtol=1e-6)
    for group in (0, 1):
        for name in traced[group]:
            assert relative(sliced[group][name], traced[group][name]) <= 1e-6, name


def test_keras_adam_on_raw_indexed_slices_is_another_step():
    """The trap the bag form avoids in TensorFlow: a word in two posts gives tf.gather's gradient two
    rows for one index, and Keras' Adam squares each before summing them. Densified first, the
    update is the one the dense gradient gets."""
    import tensorflow as tf
    start = np.ones((4, 2), dtype=np.float32)
    slices = tf.IndexedSlices(tf.constant([[1.0, 1.0], [2.0, 2.0]]), tf.constant([1, 1]), tf.constant([4, 2]))
    after = {}
    for name, gradient in (("raw", slices), ("dense", tf.convert_to_tensor(slices))):
        variable = tf.Variable(start)
        optimizer = tf.keras.optimizers.Adam(learning_rate=0.1)
        optimizer.build([variable])
        optimizer.apply_gradients([(gradient, variable)])
        optimizer.apply_gradients([(tf.convert_to_tensor(slices), variable)])
        after[name] = variable.numpy()
    expected = tf.Variable(start)
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.1)
    optimizer.build([expected])
    for _ in range(2):
        optimizer.apply_gradients([(tf.constant([[0, 0], [3.0, 3.0], [0, 0], [0, 0]]), expected)])
    np.testing.assert_allclose(after["dense"], expected.numpy(), rtol=1e-6)
    assert np.abs(after["raw"] - expected.numpy()).max() > 1e-3


@pytest.mark.parametrize("eps", [1e-8, 1e-2])
def test_the_fused_adam_kernel_takes_keras_adams_steps(eps):
    """TensorFlow's fused Adam (ResourceApplyAdam) against Keras' Adam, traced, on the same weights and gradients
    over three steps: the same weights and moments. With ε = 1e-2 the ε convention shows (PyTorch's would give
    other steps, checked), so the kernel adds ε where Keras does."""
    import tensorflow as tf
    from tf_impl.fast import FusedAdam
    rng = np.random.default_rng(0)
    shapes = [(50, 8), (8,), (8, 3), (3,)]
    start = [rng.standard_normal(shape).astype(np.float32) for shape in shapes]
    gradients = [[tf.constant(rng.standard_normal(shape).astype(np.float32) * 10.0 ** -step) for shape in shapes]
                 for step in range(3)]
    hp = Hyperparameters(lr=0.01, adam_eps=eps)
    weights = {}
    for name in ("keras", "fused"):
        params = [tf.Variable(array) for array in start]
        if name == "fused":
            optimizer = FusedAdam(params, hp)
        else:
            optimizer = tf.keras.optimizers.Adam(learning_rate=hp.lr, beta_1=0.9, beta_2=0.999, epsilon=eps)
            optimizer.build(params)
        update = tf.function(lambda g: optimizer.apply_gradients(zip(g, params)))
        for g in gradients:
            update(g)
        weights[name] = [p.numpy() for p in params]
    for fused, keras in zip(weights["fused"], weights["keras"]):
        np.testing.assert_allclose(fused, keras, rtol=1e-5, atol=1e-6)  # float32 rounding of weights near 1
    # PyTorch's convention on the same numbers, as a check that the comparison can tell them apart
    torch_style = [a.copy() for a in start]
    m = [np.zeros_like(a) for a in start]
    v = [np.zeros_like(a) for a in start]
    for t, g in enumerate(gradients, 1):
        for i, gi in enumerate(g):
            m[i] = 0.9 * m[i] + 0.1 * gi.numpy()
            v[i] = 0.999 * v[i] + 0.001 * gi.numpy() ** 2
            torch_style[i] -= hp.lr * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + eps)
    gap = max(np.abs(a - b).max() for a, b in zip(torch_style, weights["keras"]))
    assert (gap > 1e-4) == (eps > 1e-3)


@pytest.mark.parametrize("form", ["dense", "sparse", "bag"])
def test_tensorflows_fused_step_trains_like_pytorch(tiny_corpus, form):
    """TensorFlow's traced step with the fused Adam kernel against PyTorch's eager step (its Adam fused too), from
    the same weights on the same batches for two epochs, dropout off and ε too small for the two conventions to
    differ (see CONVENTION_FREE_EPS): the same losses."""
    from shared.lab.runner import run
    losses = {}
    for framework in ("torch", "tf"):
        hp = Hyperparameters(recipe="clean", form=form, step="fused", epochs=2, batch_size=16, dropout=0.0,
                             adam_eps=CONVENTION_FREE_EPS).resolved(framework)
        assert hp.step == {"torch": "standard", "tf": "fused"}[framework]
        losses[framework] = run(framework, prepare(tiny_corpus, hp), hp, "cpu", quiet=True).step_losses
    np.testing.assert_allclose(losses["tf"], losses["torch"], rtol=1e-4, atol=1e-6)


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
                                          adam_eps=CONVENTION_FREE_EPS, dropout=0.0)  # the masks differ
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
def test_dense_sparse_and_bag_give_the_same_losses(real_runs, framework):
    dense, sparse, bag = (np.array(real_runs(framework, recipe="clean", form=f, dropout=0.0, epochs=1).step_losses)
                          for f in ("dense", "sparse", "bag"))
    np.testing.assert_allclose(sparse, dense, rtol=1e-4)
    np.testing.assert_allclose(bag, dense, rtol=1e-4)


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_every_form_and_step_agrees_through_a_tiny_training(tiny_corpus, framework):
    """Dense, sparse and bag input, the padded step XLA compiles and TensorFlow's fused Adam, over three epochs
    (dropout off).
    In TensorFlow this catches the IndexedSlices trap: bag's losses would leave dense's at step 2."""
    from shared.lab.runner import run
    losses = {}
    kinds = [("dense", "standard"), ("sparse", "standard"), ("bag", "standard")]
    kinds += [("bag", "captured"), *((form, "fused") for form in ("dense", "sparse", "bag"))] if framework == "tf" \
        else [("bag", "compiled")]
    for form, step in kinds:
        hp = Hyperparameters(recipe="clean", form=form, step=step, epochs=3, batch_size=16,
                             dropout=0.0).resolved(framework)
        losses[form, step] = run(framework, prepare(tiny_corpus, hp), hp, "cpu", quiet=True).step_losses
    for kind in kinds[1:]:
        np.testing.assert_allclose(losses[kind], losses["dense", "standard"], rtol=1e-4, atol=1e-6, err_msg=str(kind))


@pytest.mark.real_data
@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("form", ["dense", "sparse", "bag"])
def test_same_seed_twice_gives_identical_losses(real_corpus, framework, form):
    """On each framework's standard step, dropout on (its masks from the seed), one epoch at the real data's
    sizes, where the kernels run on several threads; later epochs' shuffles and masks repeat in test_cli's
    --deterministic runs. TensorFlow's XLA steps draw dropout's masks unseeded; with --deterministic,
    --step auto leaves them (test_features)."""
    from shared.lab.runner import run
    hp = Hyperparameters(recipe="clean", form=form, epochs=1, seed=5, step="standard").resolved(framework)
    first, second = (run(framework, prepare(real_corpus, hp), hp, "cpu", quiet=True).step_losses for _ in range(2))
    assert first == second


@needs("torch")
def test_the_captured_steps_input_plumbing_round_trips(tiny_corpus):
    """What a CUDA-graph replay copies into its static inputs: every tensor of a padded batch, flattened
    in order, and put back into the same (Bag, y, mask) shape. The capture itself needs a GPU."""
    import torch

    from torch_impl.data import upload
    from torch_impl.fast import _rebuild, _tensors_of, captured_feeder
    batches = prepare(tiny_corpus, Hyperparameters(recipe="clean", form="bag", batch_size=16).resolved("torch"))
    corpus = upload(batches.features.train, batches.train_labels, "cpu")
    batch = captured_feeder(corpus, batches)(batches.epoch_rows(0)[-1])
    flat = _tensors_of(batch)
    assert len(flat) == 6 and all(isinstance(t, torch.Tensor) for t in flat)
    again = _rebuild(batch, [t.clone() for t in flat])
    assert type(again[0]) is type(batch[0]) and again[0]._fields == batch[0]._fields
    for a, b in zip(_tensors_of(again), flat):
        assert torch.equal(a, b) and a.data_ptr() != b.data_ptr()


@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("form", ["sparse", "bag"])
def test_prediction_is_the_same_traced_or_eager_whole_or_in_batches(tiny_corpus, framework, form):
    """evaluate predicts a sparse or bag test split in one batch, TensorFlow's forward traced (its bag's slicing
    and forward pass compiled by XLA): the same classes as batch by batch, and as TensorFlow's eager forward."""
    model_module, train_module, data = impl(framework, "model", "train", "data")
    batches = prepare(tiny_corpus, Hyperparameters(recipe="clean", form=form, batch_size=16).resolved(framework))
    initial = initial_weights("glorot", batches.features.vocab_size, 100, batches.n_classes, 3)
    model = model_module.build_model(initial, CPU[framework], form)
    test_set = data.upload(batches.features.test, batches.test_labels, CPU[framework])
    n = len(batches.test_labels)
    assert [len(rows) for rows in batches.test_rows()] == [n]
    whole = train_module.predict(model, data.take(test_set, np.arange(n), form)[0])
    in_batches = np.concatenate([train_module.predict(model, data.take(test_set, np.arange(i, min(i + 16, n)), form)[0])
                                 for i in range(0, n, 16)])
    np.testing.assert_array_equal(whole, in_batches)
    assert len(set(whole.tolist())) > 1  # a real prediction, not one class everywhere
    if framework == "tf":
        import tensorflow as tf
        tf.config.run_functions_eagerly(True)
        try:
            eager = train_module.predict(model, data.take(test_set, np.arange(n), form)[0])
        finally:
            tf.config.run_functions_eagerly(False)
        np.testing.assert_array_equal(whole, eager)
        if form == "bag":  # what evaluate runs for a bag: slicing and forward pass in one XLA program
            from tf_impl.fast import predicted_bag
            compiled = predicted_bag(model, test_set, batches.features.test, np.arange(n))
            np.testing.assert_array_equal(whole, compiled)
            assert train_module.evaluate(model, batches, CPU[framework]) == np.mean(compiled == batches.test_labels)
