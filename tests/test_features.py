"""Vocabulary, get_batch, batch order and initial weights: the framework-free half."""

import numpy as np
import pytest
import scipy.sparse as sp

from shared.batches import batch_indices, get_batch, prepare
from shared.padding import capacity, padded_shape, padding
from shared.config import Hyperparameters
from shared.vocab import tutorial_vocabulary, vectorize
from shared.weights import SCHEMES, initial_weights


def tutorials_get_batch(texts, word2index):
    """The tutorials' own loop, kept here as the reference the vectorized path must equal."""
    rows = []
    for text in texts:
        layer = np.zeros(len(word2index), dtype=float)
        for word in text.split(" "):
            layer[word2index[word.lower()]] += 1
        rows.append(layer)
    return np.array(rows)


def test_tutorial_vocabulary_is_first_appearance_of_lowercased_split_tokens():
    vocab = tutorial_vocabulary(["The cat  sat", "the Dog\nran"])
    assert vocab == {"the": 0, "cat": 1, "": 2, "sat": 3, "dog\nran": 4}


def test_tutorial_features_equal_the_tutorials_loop(tiny_corpus):
    features = vectorize(tiny_corpus, "tutorial")
    word2index = tutorial_vocabulary(tiny_corpus.train_texts + tiny_corpus.test_texts)
    assert features.vocabulary == word2index
    np.testing.assert_array_equal(features.train.toarray(), tutorials_get_batch(tiny_corpus.train_texts, word2index))
    np.testing.assert_array_equal(features.test.toarray(), tutorials_get_batch(tiny_corpus.test_texts, word2index))
    assert features.train.dtype == np.float32


def test_clean_vocabulary_is_fitted_on_train_only(tiny_corpus):
    corpus = tiny_corpus.__class__(tiny_corpus.train_texts, tiny_corpus.train_labels,
                                   [t + " zzyzx" for t in tiny_corpus.test_texts], tiny_corpus.test_labels,
                                   tiny_corpus.categories)
    features = vectorize(corpus, "clean")
    assert "zzyzx" not in features.vocabulary and "zzyzx" in vectorize(corpus, "tutorial").vocabulary
    assert "pixel" in features.vocabulary and "Pixel".lower() == "pixel"
    assert features.test.shape == (len(corpus.test_texts), features.vocab_size)


@pytest.mark.parametrize("max_features", [None, 50])
def test_clean_features_are_fit_then_transform_bit_for_bit(tiny_corpus, max_features):
    """One pass over the training posts (fit_transform) gives what fitting and then transforming them gave: the
    same words, the same CSR layout (each row's words sorted), the same float32 values."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    reference = TfidfVectorizer(sublinear_tf=True, max_features=max_features, dtype=np.float32)
    reference.fit(tiny_corpus.train_texts)
    features = vectorize(tiny_corpus, "clean", max_features)
    assert features.vocabulary == reference.vocabulary_
    for found, texts in ((features.train, tiny_corpus.train_texts), (features.test, tiny_corpus.test_texts)):
        expected = reference.transform(texts)
        for part in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(found, part), getattr(expected, part), err_msg=part)


def test_tutorial_batches_are_in_order_and_drop_the_last_partial_one():
    batches = batch_indices(1774, 150, "tutorial", seed=3, epoch=5)
    assert len(batches) == 11 and all(len(b) == 150 for b in batches)
    np.testing.assert_array_equal(np.concatenate(batches), np.arange(1650))


def test_clean_batches_reshuffle_each_epoch_from_the_seed_and_keep_the_last():
    first, second = (batch_indices(1774, 150, "clean", seed=3, epoch=e) for e in (0, 1))
    assert len(first) == 12 and len(first[-1]) == 1774 - 11 * 150
    assert sorted(np.concatenate(first)) == list(range(1774))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(batch_indices(1774, 150, "clean", 3, 0)))
    assert not np.array_equal(np.concatenate(first), np.concatenate(batch_indices(1774, 150, "clean", 4, 0)))


def bag_to_dense(bag, n_posts, vocab_size):
    dense = np.zeros((n_posts, vocab_size), dtype=np.float32)
    np.add.at(dense, (bag.post_of, bag.words), bag.values)
    return dense


def test_get_batch_dense_sparse_and_bag_hold_the_same_numbers():
    features = sp.random(20, 50, density=0.2, format="csr", dtype=np.float32, random_state=0)
    labels = np.arange(20, dtype=np.int64) % 3
    indices = np.array([4, 1, 7])
    dense, y = get_batch(features, labels, indices, "dense")
    sparse, y2 = get_batch(features, labels, indices, "sparse")
    bag, y3 = get_batch(features, labels, indices, "bag")
    assert dense.dtype == np.float32 and sparse.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(dense, sparse.toarray())
    np.testing.assert_array_equal(dense, features[indices].toarray())
    np.testing.assert_array_equal(dense, bag_to_dense(bag, 3, 50))
    # offsets and posts say the same thing: post i's entries start at offsets[i]
    np.testing.assert_array_equal(np.searchsorted(bag.post_of, np.arange(3)), bag.offsets)
    assert bag.words.dtype == bag.offsets.dtype == bag.post_of.dtype == np.int64 and bag.values.dtype == np.float32
    np.testing.assert_array_equal(y, [1, 1, 1]) and np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(y, y3)


def test_capacity_is_the_fullest_batch_of_the_run(tiny_corpus):
    hp = Hyperparameters(recipe="clean", batch_size=10, epochs=4).resolved("torch")
    batches = prepare(tiny_corpus, hp)
    lengths = np.diff(batches.features.train.indptr)
    fullest = max(lengths[rows].sum() for epoch in range(4) for rows in batches.epoch_rows(epoch))
    assert padded_shape(batches) == (10, fullest) and fullest < np.sort(lengths)[-10:].sum()  # tighter than the longest posts' bound
    assert capacity(batches.features.train, batches.epoch_rows(0)) == max(lengths[rows].sum() for rows in batches.epoch_rows(0))


def test_padding_refuses_a_batch_over_the_capacity():
    assert padding(7, 90, (10, 100)) == (3, 10)
    with pytest.raises(ValueError, match="does not fit the padded shape"):
        padding(7, 101, (10, 100))


def test_prepared_batches_cover_train_and_test(tiny_corpus):
    hp = Hyperparameters(recipe="clean", batch_size=10).resolved("torch")
    batches = prepare(tiny_corpus, hp)
    assert batches.form == "bag" and batches.steps_per_epoch == 8  # 72 posts
    assert sum(len(y) for _, y in batches.epoch(0)) == 72
    assert np.array_equal(np.concatenate([y for _, y in batches.test()]), tiny_corpus.test_labels)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_initial_weights_shapes_and_reproducibility(scheme):
    weights, biases = initial_weights(scheme, 500, 100, 3, seed=7)
    assert {k: v.shape for k, v in weights.items()} == {"h1": (500, 100), "h2": (100, 100), "out": (100, 3)}
    assert {k: v.shape for k, v in biases.items()} == {"b1": (100,), "b2": (100,), "b_out": (3,)}
    assert all(a.dtype == np.float32 for a in [*weights.values(), *biases.values()])
    again, _ = initial_weights(scheme, 500, 100, 3, seed=7)
    other, _ = initial_weights(scheme, 500, 100, 3, seed=8)
    assert np.array_equal(weights["h1"], again["h1"]) and not np.array_equal(weights["h1"], other["h1"])


def test_initial_weight_distributions():
    (w, b), (gw, gb), (nw, nb) = (initial_weights(s, 2000, 100, 3, seed=0) for s in ("torch", "glorot", "normal"))
    bound = 1 / np.sqrt(2000)  # nn.Linear: U(±1/√fan_in) for weight and bias
    assert np.abs(w["h1"]).max() <= bound and np.abs(w["h1"]).max() > 0.99 * bound
    assert np.abs(b["b1"]).max() <= bound and np.abs(b["b1"]).max() > 0.9 * bound
    glorot = np.sqrt(6 / 2100)
    assert np.abs(gw["h1"]).max() <= glorot and np.abs(gw["h1"]).max() > 0.99 * glorot
    assert not gb["b1"].any()
    assert abs(nw["h1"].std() - 1) < 0.01 and abs(nw["h1"].mean()) < 0.01 and nb["b1"].std() > 0.5


def test_noleak_is_the_tutorial_vocabulary_over_train_posts_only(tiny_corpus):
    corpus = tiny_corpus.__class__(tiny_corpus.train_texts, tiny_corpus.train_labels,
                                   [t + " zzyzx" for t in tiny_corpus.test_texts], tiny_corpus.test_labels,
                                   tiny_corpus.categories)
    leaky, clean = vectorize(corpus, "tutorial"), vectorize(corpus, "noleak")
    assert clean.vocabulary == tutorial_vocabulary(corpus.train_texts) and "zzyzx" not in clean.vocabulary
    np.testing.assert_array_equal(clean.train.toarray(), leaky.train.toarray()[:, :clean.vocab_size])
    assert clean.test.sum() < leaky.test.sum()  # the test-only words are dropped, the rest counted alike
    assert batch_indices(72, 16, "noleak", 0, 1)[0].tolist() == list(range(16))


def test_a_longer_vocabulary_keeps_the_shared_rows_and_other_layers():
    (short_w, short_b), (long_w, long_b) = (initial_weights("normal", n, 100, 3, seed=1) for n in (300, 500))
    np.testing.assert_array_equal(short_w["h1"], long_w["h1"][:300])
    for name in ("h2", "out"):
        np.testing.assert_array_equal(short_w[name], long_w[name])
    for name in short_b:
        np.testing.assert_array_equal(short_b[name], long_b[name])


def test_the_worked_example_in_batches_doc_is_what_get_batch_makes():
    """shared/batches.py's docstring walks three posts through CSR and the three forms: it stays true."""
    import shared.batches
    features = sp.csr_matrix((np.array([1, 2, 1, 1, 1], dtype=np.float32), [0, 1, 2, 0, 3], [0, 2, 3, 5]),
                             shape=(3, 4))
    labels, rows, doc = np.zeros(3, dtype=np.int64), [2, 0], " ".join(shared.batches.__doc__.split())
    dense, _ = get_batch(features, labels, rows, "dense")
    assert dense.astype(int).tolist() == [[1, 0, 0, 1], [1, 2, 0, 0]] and "[[1, 0, 0, 1], [1, 2, 0, 0]]" in doc
    sparse, _ = get_batch(features, labels, rows, "sparse")
    triplets = " ".join(f"({r},{c},{int(v)})" for r, c, v in zip(sparse.row, sparse.col, sparse.data))
    assert f"sparse (post, word, value): {triplets}" in doc
    bag, _ = get_batch(features, labels, rows, "bag")
    shown = ", ".join(f"{name}={[int(v) for v in getattr(bag, name)]}" for name in bag._fields)
    assert f"Bag({shown})" in doc


def test_auto_takes_each_frameworks_fastest_step_and_a_seeded_one_when_asked():
    from shared.config import FASTEST_STEP
    for framework in ("torch", "tf"):
        for form in ("dense", "sparse", "bag"):
            hp = Hyperparameters(recipe="clean", form=form).resolved(framework)
            assert hp.step == FASTEST_STEP[framework, "cpu"][form] and hp.step != "auto"
    assert Hyperparameters(recipe="clean").resolved("tf").step == "captured"  # the padded bag under XLA
    assert Hyperparameters(recipe="clean").resolved("torch", "gpu").step == "standard"  # no CUDA graph until a GPU run
    # XLA's dropout masks are not the seed's: --deterministic keeps TensorFlow on its traced step
    assert Hyperparameters(recipe="clean", deterministic=True).resolved("tf").step == "standard"
    assert Hyperparameters(recipe="clean", deterministic=True, dropout=0.0).resolved("tf").step == "captured"
    assert Hyperparameters(recipe="clean", step="captured", deterministic=True).resolved("tf").step == "captured"


def test_every_epoch_has_all_its_batches_where_they_are_made_one_at_a_time(tiny_corpus, monkeypatch):
    """Unshuffled epochs made at once are made once and reused; made batch by batch (the dense tutorial on all
    20 groups), each epoch makes its own."""
    import shared.batches
    hp = Hyperparameters(recipe="tutorial", batch_size=16, epochs=3).resolved("torch")
    batches = prepare(tiny_corpus, hp)
    for prebuilt in (shared.batches.AT_ONCE_BYTES, 0):
        monkeypatch.setattr(shared.batches, "AT_ONCE_BYTES", prebuilt)
        epochs = [[y for _, y in epoch] for epoch in batches.every_epoch(batches.host_batch)]
        assert len(epochs) == 3 and all(len(epoch) == batches.steps_per_epoch for epoch in epochs), prebuilt
