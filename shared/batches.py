"""Which posts make each batch, and the three forms a batch takes: the same for both frameworks.

``tutorial`` and ``noleak``: posts in corpus order, no shuffle, the last partial batch dropped (1,774 posts in
batches of 150 make 11 steps an epoch), as the tutorials' ``range(len(data) // batch_size)``.
``clean``: a fresh permutation each epoch, drawn from (seed, epoch); the last partial batch kept.

The corpus is a CSR matrix (scipy's compressed sparse rows): one row a post, and three arrays.
Three posts over the vocabulary {0: launch, 1: orbit, 2: pixel, 3: shuttle}, post 0 "orbit launch
orbit", post 1 "pixel", post 2 "launch shuttle" (word counts, as the tutorial recipe has them)::

    indptr  = [0, 2, 3, 5]      post p's entries are indices[indptr[p]:indptr[p+1]]
    indices = [0, 1, 2, 0, 3]   the word of each entry
    data    = [1, 2, 1, 1, 1]   its value in the post: a count here, a tf-idf weight in the clean recipe

The batch of posts ``rows = [2, 0]``, in each of the three forms (same numbers in each)::

    dense   [[1, 0, 0, 1], [1, 2, 0, 0]]
            a (posts, vocabulary) array, as the tutorials built
    sparse  (post, word, value): (0,0,1) (0,3,1) (1,0,1) (1,1,2)
            a COO matrix's triplets: where the dense array is not zero
    bag     Bag(words=[0, 3, 0, 1], values=[1, 1, 1, 2], offsets=[0, 2], post_of=[0, 0, 1, 1])
            each post's words end to end, what an embedding bag reads

``get_batch`` makes them on the host with scipy; each framework's ``data.take`` makes the same from the
corpus copied to its device, with index arithmetic in its own ops (tested equal for every form).
"""

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from shared.vocab import vectorize


# An epoch's batches are made before the epoch starts, in one list, unless that list would pass this size (the
# tutorial vocabulary over all 20 groups is 591,946 words: 27 GB an epoch of dense batches, made one at a time).
AT_ONCE_BYTES = 2 * 2**30


class Bag(NamedTuple):
    """A batch of posts as word lists, end to end: entry k is word words[k] with value values[k], in
    the batch's post post_of[k]; post i's entries start at offsets[i]. PyTorch's embedding_bag reads
    offsets, TensorFlow's segment sum reads post_of (and how many posts there are, from offsets' length):
    both are here so each framework takes what its op wants."""
    words: Any  # int64 [entries]
    values: Any  # float32 [entries]
    offsets: Any  # int64 [posts]
    post_of: Any  # int64 [entries]: the post of each entry


def made_at_once(batches):
    """Whether a whole epoch of `batches` (a Batches) is made in one list before the epoch starts."""
    features = batches.features.train
    return batches.form != "dense" or features.shape[0] * batches.features.vocab_size * 4 <= AT_ONCE_BYTES


def batch_indices(n_docs, batch_size, recipe, seed, epoch):
    """The list of index arrays that make up epoch `epoch`."""
    if recipe == "clean":
        order = np.random.default_rng([seed, epoch]).permutation(n_docs)
        n_batches = -(-n_docs // batch_size)
    else:
        order = np.arange(n_docs)
        n_batches = n_docs // batch_size
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(n_batches)]


def get_batch(features, labels, rows, form):
    """float32 features in `form` ('dense', 'sparse' or 'bag') and int64 class indices for the posts at
    `rows`, made on the host: the reference the device-built batches are tested against, and what the
    benchmark's host-fed variants copy in every step."""
    x = features[rows]
    if form == "dense":
        x = x.toarray()
    elif form == "sparse":
        x = x.tocoo()
    else:
        lengths = np.diff(x.indptr)
        x = Bag(x.indices.astype(np.int64), x.data, x.indptr[:-1].astype(np.int64),
                np.repeat(np.arange(len(rows), dtype=np.int64), lengths))
    return x, labels[rows]


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
    form: str  # the input form: 'dense', 'sparse' or 'bag'
    epochs: int = 1  # how many epochs the run takes

    @property
    def n_classes(self):
        return len(self.categories)

    @property
    def steps_per_epoch(self):
        return len(self.epoch_rows(0))

    def epoch_rows(self, epoch):
        return batch_indices(len(self.train_labels), self.batch_size, self.recipe, self.seed, epoch)

    def host_batch(self, rows):
        return get_batch(self.features.train, self.train_labels, rows, self.form)

    def epoch(self, epoch, build=None):
        """The batches of epoch `epoch`, each made by `build(rows)` (default: host arrays from get_batch):
        a list made before the epoch starts where it fits in memory (made_at_once), else made one at a time
        as the loop asks."""
        build = build or self.host_batch
        batches = (build(rows) for rows in self.epoch_rows(epoch))
        return list(batches) if made_at_once(self) else batches

    def every_epoch(self, build):
        """Each epoch's batches in turn, as epoch() makes them. Unshuffled epochs are all alike, so where they
        are made at once they are made once for the run and let go with it (one epoch of dense
        tutorial batches on 3 groups is 0.79 GB)."""
        made = None
        for epoch in range(self.epochs):
            if not isinstance(made, list) or self.recipe == "clean":  # a generator is spent after one epoch
                made = self.epoch(epoch, build)
            yield made

    def test_rows(self):
        """The test split's posts in order, in batches: of batch_size where a batch is dense (a column per word
        of the vocabulary), else all in one (a sparse or bag batch grows with the posts' words alone)."""
        n = len(self.test_labels)
        size = self.batch_size if self.form == "dense" else n
        return [np.arange(start, min(start + size, n)) for start in range(0, n, size)]

    def test(self):
        """The whole test split in order as host arrays, in test_rows' batches; made one at a time (dense, all
        20 groups' test split would be 18 GB at once)."""
        return (get_batch(self.features.test, self.test_labels, rows, self.form) for rows in self.test_rows())


def prepare(corpus, hp, features=None):
    """Batches for hyperparameters `hp` (resolved); pass `features` to reuse a vectorized corpus."""
    features = features or vectorize(corpus, hp.recipe)
    return Batches(features, corpus.train_labels, corpus.test_labels, corpus.categories,
                   hp.recipe, hp.batch_size, hp.seed, hp.form, hp.epochs)
