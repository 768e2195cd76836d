"""get_batch and the order batches come in: the same for both frameworks, from the seed alone.

``tutorial`` and ``noleak``: posts in corpus order, no shuffle, the last partial batch dropped (1,774 posts in
batches of 150 make 11 steps an epoch), as the tutorials' ``range(len(data) // batch_size)``.
``clean``: a fresh permutation each epoch, drawn from (seed, epoch); the last partial batch kept.
"""

from dataclasses import dataclass, field

import numpy as np

from shared.vocab import vectorize

# Dense epochs up to this size are built before the epoch clock starts; larger ones (the tutorial
# vocabulary over all 20 groups is 591,946 words: 27 GB an epoch) are densified batch by batch
# inside the clock, the same way for both frameworks.
PREBUILT_BYTES = 2 * 2**30


def batch_indices(n_docs, batch_size, recipe, seed, epoch):
    """The list of index arrays that make up epoch `epoch`."""
    if recipe == "clean":
        order = np.random.default_rng([seed, epoch]).permutation(n_docs)
        n_batches = -(-n_docs // batch_size)
    else:
        order = np.arange(n_docs)
        n_batches = n_docs // batch_size
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(n_batches)]


def get_batch(features, labels, indices, dense):
    """float32 features and int64 class indices for the posts at `indices`.

    Dense: a (batch, vocabulary) array, as the tutorials built. Sparse: a scipy COO matrix,
    whose (row, col, value) triplets both frameworks' sparse tensors take as they are.
    """
    x = features[indices]
    return (x.toarray() if dense else x.tocoo()), labels[indices]


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
    dense: bool
    _fixed_epoch: list = field(default_factory=list, repr=False, compare=False)

    @property
    def n_classes(self):
        return len(self.categories)

    @property
    def steps_per_epoch(self):
        return len(batch_indices(len(self.train_labels), self.batch_size, self.recipe, self.seed, 0))

    @property
    def prebuilt(self):
        return not self.dense or self.features.train.shape[0] * self.features.vocab_size * 4 <= PREBUILT_BYTES

    def epoch(self, epoch):
        """The batches of epoch `epoch`: the same arrays for both frameworks, ready-made before the
        clock starts where they fit (see PREBUILT_BYTES). Unshuffled epochs are all alike, so those
        are built once and kept."""
        if self.recipe != "clean" and self._fixed_epoch:
            return self._fixed_epoch
        batches = (get_batch(self.features.train, self.train_labels, indices, self.dense)
                   for indices in batch_indices(len(self.train_labels), self.batch_size, self.recipe, self.seed, epoch))
        if not self.prebuilt:
            return batches
        batches = list(batches)
        if self.recipe != "clean":
            self._fixed_epoch.extend(batches)
        return batches

    def test(self):
        """The whole test split in order, in batches of batch_size, the last partial one kept; made
        one at a time (dense, all 20 groups' test split would be 18 GB at once)."""
        n = len(self.test_labels)
        return (get_batch(self.features.test, self.test_labels, np.arange(start, min(start + self.batch_size, n)),
                          self.dense) for start in range(0, n, self.batch_size))


def prepare(corpus, hp, features=None):
    """Batches for hyperparameters `hp` (resolved); pass `features` to reuse a vectorized corpus."""
    features = features or vectorize(corpus, hp.recipe)
    return Batches(features, corpus.train_labels, corpus.test_labels, corpus.categories,
                   hp.recipe, hp.batch_size, hp.seed, hp.input == "dense")
