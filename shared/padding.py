"""The speed forms' framework-free part: the one shape a padded bag is given, so that a captured or
XLA-compiled step sees the same shapes every step. Padding does not change what is computed: the padded
step gives the unpadded loss and gradients (tests/test_parity.py)."""

import numpy as np

def capacity(features, batches):
    """The most word entries in any of `batches` (arrays of row indices): the size a padded bag is
    given so that every step of a run has the same shapes (what a captured step or XLA needs). The
    run's own batches, not the longest posts any batch could draw: on the 3 groups that bound is
    2.5× the fullest batch of a 10-epoch run, and every padded entry is work."""
    lengths = np.diff(features.indptr)
    return int(max(lengths[rows].sum() for rows in batches))


def padded_shape(batches):
    """(posts, entries) every padded batch of the run has: a full batch, and the run's fullest one."""
    epochs = batches.epochs if batches.recipe == "clean" else 1  # unshuffled epochs are all alike
    rows = [rows for epoch in range(epochs) for rows in batches.epoch_rows(epoch)]
    return batches.batch_size, capacity(batches.features.train, rows)


def padding(posts, entries, padded_to):
    """(extra posts, extra entries) that pad a batch of `posts` posts and `entries` word entries to
    padded_to=(posts, entries); a batch that does not fit is an error, never cut short."""
    extra = (padded_to[0] - posts, padded_to[1] - entries)
    if min(extra) < 0:
        raise ValueError(f"a batch of {posts} posts and {entries} entries does not fit the padded shape "
                         f"{padded_to}: its Batches were made for fewer epochs than this run takes")
    return extra
