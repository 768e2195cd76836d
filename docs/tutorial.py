# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Two tutorials, one network: PyTorch and TensorFlow side by side
#
# Two well-known tutorials classified posts from three newsgroups (comp.graphics, sci.space,
# rec.sport.baseball) with the same small network: a bag of words, two hidden layers of 100 with ReLU, three
# outputs, Adam at lr 0.01, cross-entropy, batches of 150, 10 epochs. The TensorFlow tutorial reported 0.75 test
# accuracy, the PyTorch one 91 %. This notebook runs both, step by step, from this project's own modules: where a step runs in both, it shows the
# PyTorch cell, then the TensorFlow cell, then a cell that compares them.
#
# It runs on a laptop's CPU in a few minutes. The files it imports are the lesson
# ([torch_impl/](../torch_impl/), [tf_impl/](../tf_impl/), [shared/](../shared/): [reading.md](reading.md) maps
# them); `newsgroups-mlp side-by-side --out side-by-side.html` writes a page with the same code line against line.

# %%
import os

# TensorFlow's C++ runtime prints its start-up notices (CPU features, no CUDA driver) unless told otherwise
# before it loads; its errors still show. PyTorch prints nothing.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow's CPU allocator keeps a pool of the most its tensors ever took and never hands it back; PyTorch
# gives back what a training took. This notebook trains several networks in one process, so TensorFlow takes
# its memory from malloc instead (the same numbers, a little slower: LESSONS.md §4).
os.environ.setdefault("TF_ONEDNN_USE_SYSTEM_ALLOCATOR", "true")

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import torch

import tf_impl.device
import tf_impl.model
import tf_impl.train
import torch_impl.device
import torch_impl.model
import torch_impl.train
from shared.batches import get_batch, prepare
from shared.config import Hyperparameters
from shared.dataset import load_corpus
from shared.vocab import tutorial_tokens, tutorial_vocabulary, vectorize
from shared.weights import LAYERS, initial_weights

np.set_printoptions(precision=4, suppress=True)
CPU = {"torch": torch_impl.device.resolve_device("cpu"), "tf": tf_impl.device.resolve_device("cpu")}

# %% [markdown]
# ## 1. The three groups
#
# The 20 Newsgroups "bydate" split, as scikit-learn loads it: the same posts in the same order as the
# tutorials had. `load_corpus` reads scikit-learn's cache, or builds it from a local archive named by
# `NEWSGROUPS_ARCHIVE` (the command line's way too), or downloads it.

# %%
corpus = load_corpus()
print(f"{len(corpus.train_texts):,} training posts, {len(corpus.test_texts):,} test posts")
print("classes:", dict(enumerate(corpus.categories)))
print("the first training post is", corpus.categories[corpus.train_labels[0]], "and begins:")
print(corpus.train_texts[0][:300])

# %% [markdown]
# ## 2. The tutorials' vocabulary
#
# Every word of every post, lower-cased and split on spaces (on spaces only: a line break stays inside a
# "word"), numbered in order of first appearance. The
# tutorials numbered the test posts' words too: a test word always has a weight row, even one training never
# moved. The `tutorial` recipe keeps that leak so their numbers can be reproduced; `noleak` and `clean` do not.

# %%
vocabulary = tutorial_vocabulary(list(corpus.train_texts) + list(corpus.test_texts))
print(f"{len(vocabulary):,} words")
print("the first ten:", list(vocabulary)[:10])
print("'space' is word", vocabulary["space"], "and 'baseball' word", vocabulary["baseball"])

# %% [markdown]
# `vectorize` builds the same numbering (the assert below checks it is the same), then counts each post's words
# into a sparse matrix: a row per post, a column per word.

# %%
features = vectorize(corpus, "tutorial")
assert features.vocabulary == vocabulary
print("training posts × words:", features.train.shape, f"with {features.train.nnz:,} counts that are not zero")

# %% [markdown]
# ## 3. One batch
#
# `get_batch` gives the posts at `rows` as float32 features and int64 labels. The tutorials' form is
# `dense`: a row per post and a column per word of the vocabulary, nearly all zeros. Here are the first
# three posts, each with its five most frequent words.

# %%
x, y = get_batch(features.train, corpus.train_labels, [0, 1, 2], "dense")
print("x:", x.shape, x.dtype, " y:", y, y.dtype)
words = list(vocabulary)  # word i of the vocabulary
for post, label in zip(x, y):
    top = np.argsort(-post, kind="stable")[:5]
    print(f"{corpus.categories[label]:>20}: {int(post.sum())} words,",
          ", ".join(f"{words[i]!r}×{int(post[i])}" for i in top))

# %% [markdown]
# The same posts as a `bag`: each post's distinct words end to end, with their counts, what an embedding bag reads (the clean recipe's
# form, step 10). Same numbers, no zeros.

# %%
bag, _ = get_batch(features.train, corpus.train_labels, [0, 1, 2], "bag")
print("entries:", len(bag.words), " posts start at:", bag.offsets)
print("first words:", [words[i] for i in bag.words[:6]], " their counts:", bag.values[:6])

# %% [markdown]
# ## 4. The network, from the same weights
#
# The two frameworks are given the same initial arrays (`initial_weights`), so any difference below is the
# frameworks', not the dice. Here: PyTorch's own initialisation, U(±1/√fan_in), which the PyTorch
# tutorial had. The first batch of training, 150 posts:

# %%
initial = initial_weights("torch", features.vocab_size, 100, len(corpus.categories), seed=0)
x, y = get_batch(features.train, corpus.train_labels, np.arange(150), "dense")

# %% [markdown]
# PyTorch: an `nn.Module` whose `nn.Linear` layers hold the arrays (transposed: `nn.Linear` stores (out, in)).

# %%
torch_net = torch_impl.model.build_model(initial, CPU["torch"])
print(torch_net)
torch_logits = torch_impl.model.logits(torch_net, torch.from_numpy(x)).detach().numpy()
print("logits of the first two posts:\n", torch_logits[:2])

# %% [markdown]
# TensorFlow: the tutorial's `multilayer_perceptron(x, weights, biases)` over dicts of `tf.Variable`.

# %%
tf_net = tf_impl.model.build_model(initial, CPU["tf"])
print({name: tuple(w.shape) for name, w in tf_net.weights.items()})
tf_logits = tf_impl.model.logits(tf_net, tf.constant(x)).numpy()
print("logits of the first two posts:\n", tf_logits[:2])

# %% [markdown]
# The same logits, to float32's rounding: the two add up 119,930 products in different orders.

# %%
difference = np.abs(torch_logits - tf_logits).max()
print(f"largest difference of the 150 × 3 logits: {difference:.1e} (the logits reach {np.abs(torch_logits).max():.3f})")
assert difference <= 1e-5 * max(1.0, np.abs(torch_logits).max())

# %% [markdown]
# ## 5. One training step
#
# The loss of the batch and its gradients: PyTorch's autograd records the forward pass as it runs and
# `backward()` walks it back; TensorFlow records it on a `GradientTape`.

# %%
torch_loss = torch_impl.train.compute_loss(torch_net, torch.from_numpy(x), torch.from_numpy(y), training=True)
torch_loss.backward()
# nn.Linear's gradients are (out, in) like its weights: transposed back to the shared layout.
torch_gradients = [p.grad.numpy().T for p in torch_impl.model.variables(torch_net)]
print(f"PyTorch loss {torch_loss.item():.6f}")

# %%
with tf.GradientTape() as tape:
    tf_loss = tf_impl.train.compute_loss(tf_net, tf.constant(x), tf.constant(y), training=True)
tf_gradients = [g.numpy() for g in tape.gradient(tf_loss, tf_impl.model.variables(tf_net))]
print(f"TensorFlow loss {float(tf_loss):.6f}")

# %% [markdown]
# The losses and the gradients of all six tensors agree (each gradient's difference is measured against its
# own size, as the parity tests do).

# %%
names = [name for layer in LAYERS for name in layer]  # h1, b1, h2, b2, out, b_out
print(f"losses differ by {abs(torch_loss.item() - float(tf_loss)):.1e}")
worst = 0.0
for name, a, b in zip(names, torch_gradients, tf_gradients):
    relative = np.linalg.norm(a - b) / np.linalg.norm(a)
    worst = max(worst, relative)
    print(f"{name:>6} {str(a.shape):>12}: gradients differ by {relative:.1e} of their size")
assert abs(torch_loss.item() - float(tf_loss)) <= 1e-6 * torch_loss.item() and worst <= 1e-4
del torch_net, tf_net, torch_gradients, tf_gradients, initial, x  # 48 MB for each copy of the first layer

# %% [markdown]
# ## 6. The tutorials' training
#
# Ten epochs of full batches of 150 posts (the tutorials dropped the last partial one), in order, no shuffle. `train` is each framework's loop; `step="standard"` runs `train_step` as train.py writes it
# (the command line's `--step auto` may take a faster form of the same maths). Both start from the same
# weights as above.

# %%
hp = Hyperparameters(recipe="tutorial", init="torch", step="standard")


def tutorial_training(framework, implementation, hp):
    hp = hp.resolved(framework)
    batches = prepare(corpus, hp, features)
    start = initial_weights(hp.init, features.vocab_size, hp.hidden, batches.n_classes, hp.seed)
    model, log = implementation.train(batches, start, hp, CPU[framework], quiet=True)
    return model, batches, np.array(log.step_losses)


torch_model, torch_batches, torch_losses = tutorial_training("torch", torch_impl.train, hp)
print("PyTorch, the loss at the start of each epoch:", ", ".join(f"{loss:.2g}" for loss in torch_losses[::11]))

# %%
tf_model, tf_batches, tf_losses = tutorial_training("tf", tf_impl.train, hp)
print("TensorFlow, the loss at the start of each epoch:", ", ".join(f"{loss:.2g}" for loss in tf_losses[::11]))

# %% [markdown]
# The two curves lie on each other for the first steps, then part: float32's rounding differs a little at each
# step, and first of all Adam's ε sits in a different place in each framework (train.py says where, LESSONS.md §2
# measures it), which matters where the gradients are small.

# %%
def steps_alike(a, b, within):
    """How many steps, from the first, two runs' losses agree within `within` of the loss (0: equal)."""
    apart = np.abs(a - b) > within * np.abs(b)
    return int(np.argmax(apart)) if apart.any() else len(apart)


print(f"the losses agree within 0.1 % for the first {steps_alike(tf_losses, torch_losses, 1e-3)} of "
      f"{len(torch_losses)} steps")
assert steps_alike(tf_losses, torch_losses, 1e-3) >= 1

steps = np.arange(1, len(torch_losses) + 1)
figure, axes = plt.subplots(figsize=(7, 3.5))
axes.plot(steps, torch_losses, color="tab:red", label="PyTorch")
axes.plot(steps, tf_losses, color="tab:blue", linestyle="--", label="TensorFlow")
axes.set(yscale="log", xlabel="training step (11 an epoch)", ylabel="batch loss",
         title="The tutorial recipe from the same weights")
axes.legend()
plt.show()

# %% [markdown]
# ## 7. Test accuracy
#
# The 1,180 test posts, in batches.

# %%
torch_accuracy = torch_impl.train.evaluate(torch_model, torch_batches, CPU["torch"])
print(f"PyTorch    {torch_accuracy:.1%}")

# %%
tf_accuracy = tf_impl.train.evaluate(tf_model, tf_batches, CPU["tf"])
print(f"TensorFlow {tf_accuracy:.1%}")

# %% [markdown]
# From the same weights, both land within a few points of PyTorch's published "91 %" (printed with `'%d %%'`, which cuts: it
# means 91.0 to 91.9 %). How far apart two seeds land is what `newsgroups-mlp compare` measures (the table
# near the top of README); one run says little about a gap of a point.

# %%
print(f"one framework gets {abs(torch_accuracy - tf_accuracy) * len(torch_batches.test_labels):.0f} more of the "
      f"{len(torch_batches.test_labels)} test posts right than the other")

# %% [markdown]
# ## 8. Where 91 % against 0.75 came from: the initialisation
#
# The TensorFlow tutorial drew every weight and bias from N(0, 1) (`tf.random_normal`); PyTorch's `nn.Linear`
# draws U(±1/√fan_in), a small bound for so many inputs. A post's first-layer sum adds a weight per word
# occurrence, so under N(0, 1) it is large. Measured on the first batch (150 posts), framework-free:

# %%
def magnitudes(scheme):
    weights, biases = initial_weights(scheme, features.vocab_size, 100, 3, seed=0)
    pre = features.train[:150] @ weights["h1"] + biases["b1"]
    hidden = np.maximum(0, np.maximum(0, pre) @ weights["h2"] + biases["b2"])
    out = hidden @ weights["out"] + biases["b_out"]
    return np.abs(pre), np.abs(out)


print(f"1/√fan_in = {1 / np.sqrt(features.vocab_size):.2g}")
for scheme, name in (("torch", "PyTorch's U(±1/√fan_in)"), ("normal", "the TF tutorial's N(0, 1)")):
    pre, out = magnitudes(scheme)
    print(f"{name:>26}: first-layer pre-activations median {np.median(pre):.3g}, 99th percentile "
          f"{np.percentile(pre, 99):.3g}; logits median {np.median(out):.3g}")

# %% [markdown]
# With logits this large, softmax is all but one-hot: the first loss is huge, and the gradient reaches
# only the posts the network gets wrong. The first batch's loss under each, in both frameworks:

# %%
x, y = get_batch(features.train, corpus.train_labels, np.arange(150), "dense")  # the first batch again
for scheme in ("torch", "normal"):
    start = initial_weights(scheme, features.vocab_size, 100, 3, seed=0)
    torch_first = torch_impl.train.compute_loss(torch_impl.model.build_model(start, CPU["torch"]),
                                                torch.from_numpy(x), torch.from_numpy(y)).item()
    tf_first = float(tf_impl.train.compute_loss(tf_impl.model.build_model(start, CPU["tf"]), tf.constant(x),
                                                tf.constant(y)))
    print(f"{scheme:>6}: PyTorch {torch_first:.6g}, TensorFlow {tf_first:.6g}")

# %% [markdown]
# TensorFlow from PyTorch's initialisation reached PyTorch's accuracy (step 7). The other half of the swap:
# PyTorch from the TensorFlow tutorial's N(0, 1). This run takes step 3's bag form: the same sums without the
# zeros, so a fraction of the time and memory (the parity tests hold the forms to the same logits, gradients
# and losses; their rounding differs, so a run ends elsewhere within the seed-to-seed spread).

# %%
normal = Hyperparameters(recipe="tutorial", init="normal", form="bag", step="standard")
normal_model, normal_batches, normal_losses = tutorial_training("torch", torch_impl.train, normal)
normal_accuracy = torch_impl.train.evaluate(normal_model, normal_batches, CPU["torch"])
print(f"PyTorch from N(0, 1): test accuracy {normal_accuracy:.1%} (from its own init, {torch_accuracy:.1%}); "
      f"its last epoch's largest loss {normal_losses[-11:].max():.2g} (from its own, {torch_losses[-11:].max():.2g})")
assert normal_accuracy < min(torch_accuracy, tf_accuracy) - 0.1
del normal_model, normal_batches, x

# %% [markdown]
# The frameworks were never the difference: the initialisation was. One run of each says little about a
# point or two; `newsgroups-mlp compare --init normal` and `--init torch` repeat it over seeds, with the spread
# (docs/accuracy.md has the kept runs).

# %% [markdown]
# ## 9. Predicting a post you type
#
# A new post becomes a row of word counts over the same vocabulary, by the same tokens; words the
# vocabulary lacks are dropped. (The TensorFlow tutorial's cell counted the words of `text`, a variable left
# from an earlier cell, instead of `text_for_prediction`, so it predicted another post than the one it printed.)

# %%
post = "The shuttle reached orbit and the crew will launch the satellite tomorrow"

row = np.zeros((1, features.vocab_size), dtype=np.float32)
for word in tutorial_tokens(post):
    if word in vocabulary:
        row[0, vocabulary[word]] += 1
print(f"{int(row.sum())} of {len(tutorial_tokens(post))} words in the vocabulary")

# %%
print("PyTorch:   ", corpus.categories[torch_impl.train.predict(torch_model, torch.from_numpy(row))[0]])

# %%
print("TensorFlow:", corpus.categories[tf_impl.train.predict(tf_model, tf.constant(row))[0]])

# %% [markdown]
# ## 10. The clean recipe
#
# What a careful version of the same network does: tf-idf weights over a vocabulary of the training posts alone
# (no test words), the posts shuffled each epoch, dropout 0.5, lr 0.003 chosen on a validation split, Glorot's
# initialisation for both, and the bag-of-words first layer (an embedding bag: no dense zeros). The same layers,
# the same loop; here with each framework's fastest exact step, as the command line runs it.

# %%
clean = Hyperparameters(recipe="clean")
clean_features = vectorize(corpus, "clean")
for framework, implementation in (("torch", torch_impl.train), ("tf", tf_impl.train)):
    hp_clean = clean.resolved(framework)
    batches = prepare(corpus, hp_clean, clean_features)
    start = initial_weights(hp_clean.init, clean_features.vocab_size, hp_clean.hidden, batches.n_classes, hp_clean.seed)
    model, log = implementation.train(batches, start, hp_clean, CPU[framework], quiet=True)
    accuracy = implementation.evaluate(model, batches, CPU[framework])
    print(f"{framework:>5} ({hp_clean.form}, step {hp_clean.step}): last loss {log.step_losses[-1]:.3f}, "
          f"test accuracy {accuracy:.1%}")
del model, batches, clean_features

# %% [markdown]
# ## The everyday way
#
# The lesson writes its loop and its batches out, so every line can be read beside the other framework's. Most
# code reaches for each framework's usual tools instead. Here they are on the same network, weights and batches:
# do they take the same steps?
#
# PyTorch: a `Dataset` that hands out batches of posts, a `DataLoader` that asks for them in order, 150 at a
# time, dropping the last partial batch (the tutorials' batches exactly), `torch.optim.Adam` with its defaults
# (lr 0.01 given), and the usual loop. Asking for a batch at once (a `BatchSampler`) spares the loader 150
# calls and a stack of 150 rows a step.

# %%
from torch.utils.data import BatchSampler, DataLoader, Dataset, SequentialSampler


class Posts(Dataset):
    def __init__(self, counts, labels):
        self.counts, self.labels = counts, labels

    def __len__(self):
        return self.counts.shape[0]

    def __getitem__(self, rows):
        x, y = get_batch(self.counts, self.labels, rows, "dense")
        return torch.from_numpy(x), torch.from_numpy(y)


initial = initial_weights("torch", features.vocab_size, 100, len(corpus.categories), seed=0)  # step 4's
posts = Posts(features.train, corpus.train_labels)
loader = DataLoader(posts, sampler=BatchSampler(SequentialSampler(posts), batch_size=150, drop_last=True),
                    batch_size=None)
net = torch_impl.model.build_model(initial, CPU["torch"])
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
loss_function = torch.nn.CrossEntropyLoss()
loader_losses = []
for epoch in range(10):
    net.train()
    for x_batch, y_batch in loader:
        optimizer.zero_grad()
        loss = loss_function(net(x_batch), y_batch)
        loss.backward()
        optimizer.step()
        loader_losses.append(loss.item())
loader_losses = np.array(loader_losses)
print(f"equal to the lesson's losses for the first {steps_alike(loader_losses, torch_losses, 0)} steps, within 0.1 % "
      f"for the first {steps_alike(loader_losses, torch_losses, 1e-3)} of {len(loader_losses)}")
print(f"test accuracy {torch_impl.train.evaluate(net, torch_batches, CPU['torch']):.1%} (the lesson's {torch_accuracy:.1%})")
del net, optimizer

# %% [markdown]
# The one difference is the optimizer's form: the lesson asks for `fused=True`, one kernel per tensor, where
# the default on the CPU runs the same update as a string of element-wise ops. Both compute Adam's update; they
# round it differently, as one update of the same gradients shows:

# %%
def one_update(**form):
    net = torch_impl.model.build_model(initial, CPU["torch"])
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01, **form)
    loss_function(net(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    optimizer.step()
    return net.layer_1.weight.detach().clone()


x, y = get_batch(features.train, corpus.train_labels, np.arange(150), "dense")
fused, default = one_update(fused=True), one_update()
print(f"first-layer weights after one update: {int((fused != default).sum()):,} of {fused.numel():,} differ, "
      f"by at most {float((fused - default).abs().max()):.1e}")
del fused, default

# %% [markdown]
# Keras: the same layers as a `Sequential` model holding the same arrays, `compile` with Keras' Adam (ε 1e-8,
# as the tutorials had; Keras' default is 1e-7) and its cross-entropy on logits, and `fit` over a `PyDataset`
# that hands it the same batches in the same order. `fit` reports the loss averaged over each epoch.

# %%
import keras


class TutorialBatches(keras.utils.PyDataset):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return self.batches.steps_per_epoch

    def __getitem__(self, step):
        return self.batches.host_batch(self.batches.epoch_rows(0)[step])


def keras_network(initial):
    network = keras.Sequential([keras.Input((features.vocab_size,)), keras.layers.Dense(100, activation="relu"),
                                keras.layers.Dense(100, activation="relu"), keras.layers.Dense(3)])
    network.set_weights([array for w, b in LAYERS for array in (initial[0][w], initial[1][b])])  # kernel, bias, ...
    network.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-8),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return network


# %% [markdown]
# First, one step of each from the same weights on the first batch:

# %%
one_step = keras_network(initial)
one_step.train_on_batch(x, y)
lesson_step = tf_impl.model.build_model(initial, CPU["tf"])
tf_impl.train.make_train_step("standard")(lesson_step, tf_impl.train.make_optimizer(lesson_step, hp.resolved("tf")),
                                          tf.constant(x), tf.constant(y))
differ = {name: int((a != b.numpy()).sum())
          for name, a, b in zip(names, one_step.get_weights(), tf_impl.model.variables(lesson_step))}
for name, a in zip(names, one_step.get_weights()):
    print(f"{name:>6}: {differ[name]} of {a.size:,} values differ after one step")
assert differ["h1"] == differ["h2"] == differ["out"] == 0
del one_step, lesson_step

# %% [markdown]
# Only biases differ. The lesson adds a bias with `tf.add`, as the tutorial did; Keras turns the same addition
# into `tf.nn.bias_add`, whose gradient sums over the batch in another order, so some biases round
# differently. Now `fit`, ten epochs (`shuffle=False`: `fit` shuffles the batches' order by default):

# %%
network = keras_network(initial)
history = network.fit(TutorialBatches(tf_batches), epochs=10, shuffle=False, verbose=0)
fit_losses = np.array(history.history["loss"])
lesson_means = tf_losses.reshape(10, -1).mean(axis=1)
print("fit's epoch losses:    ", ", ".join(f"{loss:.4g}" for loss in fit_losses))
print("the lesson's, averaged:", ", ".join(f"{loss:.4g}" for loss in lesson_means))
print(f"largest difference: {np.max(np.abs(fit_losses - lesson_means) / lesson_means):.1e} of the loss")

# %% [markdown]
# Keras' `Dense` layers keep their kernels (in, out), the tutorial's layout, so the trained arrays go straight
# back into the lesson's model for its evaluation:

# %%
arrays = network.get_weights()
lesson = [v.numpy() for v in tf_impl.model.variables(tf_model)]  # the same order: h1, b1, h2, b2, out, b_out
print(f"fit's trained weights against the lesson's: largest difference "
      f"{max(np.abs(a - b).max() for a, b in zip(arrays, lesson)):.1e}")
fitted = tf_impl.model.build_model(({w: a for (w, _), a in zip(LAYERS, arrays[0::2])},
                                     {b: a for (_, b), a in zip(LAYERS, arrays[1::2])}), CPU["tf"])
print(f"test accuracy after fit: {tf_impl.train.evaluate(fitted, tf_batches, CPU['tf']):.1%} "
      f"(the lesson's {tf_accuracy:.1%}); fit compiled its step with XLA: {network.jit_compile}")
# Keras' jit_compile="auto" leaves XLA off where TensorFlow sees no GPU, so on a GPU this line says True.
del network, fitted, arrays

