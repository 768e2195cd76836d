"""get_batch and the order batches come in: the same for both frameworks, from the seed alone.

``tutorial`` and ``noleak``: posts in corpus order, no shuffle, the last partial batch dropped (1,774 posts in
batches of 150 make 11 steps an epoch), as the tutorials' ``range(len(data) // batch_size)``.
``clean``: a fresh permutation each epoch, drawn from (seed, epoch); the last partial batch kept.

Three forms of one batch, the same numbers in each:
``dense``  a (batch, vocabulary) array, as the tutorials built;
``sparse`` a scipy COO matrix, whose (row, col, value) triplets both frameworks' sparse tensors take;
``bag``    a Bag: each post's word ids and counts end to end, the form an embedding-bag layer reads.

Each framework builds its batches from the row indices of this module, on its own device
(torch_impl/model.py and tf_impl/model.py: ``take``), or from the host arrays of ``get_batch``
(the host-fed way the benchmark keeps to show what feeding costs).
"""

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from shared.vocab import vectorize

# Dense epochs up to this size are built before the epoch clock starts; larger ones (the tutorial
# vocabulary over all 20 groups is 591,946 words: 27 GB an epoch) are densified batch by batch
# inside the clock, the same way for both frameworks.
PREBUILT_BYTES = 2 * 2**30


class Bag(NamedTuple):
    """A batch of posts as word lists: entry k is word ids[k] with count weights[k] in post rows[k];
    post i's entries start at offsets[i]. PyTorch's embedding_bag reads offsets, TensorFlow's
    segment sums read rows: both are here so each framework takes what its op wants."""
    ids: Any  # int64 [entries]
    weights: Any  # float32 [entries]
    offsets: Any  # int64 [posts]
    rows: Any  # int64 [entries]


def batch_indices(n_docs, batch_size, recipe, seed, epoch):
    """The list of index arrays that make up epoch `epoch`."""
    if recipe == "clean":
        order = np.random.default_rng([seed, epoch]).permutation(n_docs)
        n_batches = -(-n_docs // batch_size)
    else:
        order = np.arange(n_docs)
        n_batches = n_docs // batch_size
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(n_batches)]


def get_batch(features, labels, indices, form):
    """float32 features in `form` ('dense', 'sparse' or 'bag') and int64 class indices for the posts at `indices`."""
    x = features[indices]
    if form == "dense":
        x = x.toarray()
    elif form == "sparse":
        x = x.tocoo()
    else:
        lengths = np.diff(x.indptr)
        x = Bag(x.indices.astype(np.int64), x.data, x.indptr[:-1].astype(np.int64),
                np.repeat(np.arange(len(indices), dtype=np.int64), lengths))
    return x, labels[indices]


def capacity(features, batches):
    """The most word entries in any of `batches` (arrays of row indices): the size a padded bag is
    given so that every step of a run has the same shapes (what a captured step or XLA needs). The
    run's own batches, not the longest posts any batch could draw: on the 3 groups that bound is
    2.5× the fullest batch of a 10-epoch run, and every padded entry is work."""
    lengths = np.diff(features.indptr)
    return int(max(lengths[rows].sum() for rows in batches))


def padding(posts, entries, padded_to):
    """(extra posts, extra entries) that pad a batch of `posts` posts and `entries` word entries to
    padded_to=(posts, entries); a batch that does not fit is an error, never cut short."""
    extra = (padded_to[0] - posts, padded_to[1] - entries)
    if min(extra) < 0:
        raise ValueError(f"a batch of {posts} posts and {entries} entries does not fit the padded shape "
                         f"{padded_to}: its Batches were made for fewer epochs than this run takes")
    return extra


@dataclass(frozen=True)
class Batches:
    """A vectorized corpus and the batches one run takes from it."""
    features: object  # shared.vocab.Features
    train_labels: np.ndarray
    test_labels: np.ndarray
    categories: tuple
    recipe: str
    batch_size: int
    seed: int
    form: str  # 'dense', 'sparse' or 'bag'
    epochs: int = 1  # how many epochs the run takes: what the padded capacity must cover
    _fixed_epochs: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_classes(self):
        return len(self.categories)

    @property
    def steps_per_epoch(self):
        return len(self.rows(0))

    @property
    def capacity(self):
        epochs = self.epochs if self.recipe == "clean" else 1  # unshuffled epochs are all alike
        return capacity(self.features.train, [rows for epoch in range(epochs) for rows in self.rows(epoch)])

    @property
    def prebuilt(self):
        return self.form != "dense" or self.features.train.shape[0] * self.features.vocab_size * 4 <= PREBUILT_BYTES

    def rows(self, epoch):
        return batch_indices(len(self.train_labels), self.batch_size, self.recipe, self.seed, epoch)

    def host_batch(self, rows):
        return get_batch(self.features.train, self.train_labels, rows, self.form)

    def epoch(self, epoch, build=None):
        """The batches of epoch `epoch`, each made by `build(rows)` (default: host arrays from
        get_batch). Ready-made before the clock starts where they fit (see PREBUILT_BYTES), else made
        one at a time as the loop asks. Unshuffled epochs are all alike, so those are built once per
        `build` and kept."""
        build = build or self.host_batch
        if self.recipe != "clean" and build in self._fixed_epochs:
            return self._fixed_epochs[build]
        batches = (build(rows) for rows in self.rows(epoch))
        if not self.prebuilt:
            return batches
        batches = list(batches)
        if self.recipe != "clean":
            self._fixed_epochs[build] = batches
        return batches

    def test_rows(self):
        n = len(self.test_labels)
        return [np.arange(start, min(start + self.batch_size, n)) for start in range(0, n, self.batch_size)]

    def test(self):
        """The whole test split in order as host arrays, in batches of batch_size, the last partial one kept;
        made one at a time (dense, all 20 groups' test split would be 18 GB at once). The frameworks build
        theirs on the device from test_rows()."""
        return (get_batch(self.features.test, self.test_labels, rows, self.form) for rows in self.test_rows())


def prepare(corpus, hp, features=None):
    """Batches for hyperparameters `hp` (resolved); pass `features` to reuse a vectorized corpus."""
    features = features or vectorize(corpus, hp.recipe)
    return Batches(features, corpus.train_labels, corpus.test_labels, corpus.categories,
                   hp.recipe, hp.batch_size, hp.seed, hp.input, hp.epochs)
