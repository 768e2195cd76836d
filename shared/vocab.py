"""Bag-of-words features, two recipes.

``tutorial``: the tutorials' vocabulary, written out by hand because it is the lesson: every
lower-cased ``text.split(' ')`` token of the train *and* test posts, numbered in order of first
appearance. Building it from the test posts leaks the test set into the input layer (a test
word always has a weight row, even one training never moved); we keep the leak on purpose so
the tutorials' numbers can be reproduced, and the ``clean`` recipe shows what it is worth.

``noleak``: the same, but numbered over the training posts only (test words outside it are
ignored): the tutorial recipe with nothing else changed, to measure what the leak is worth.

``clean``: scikit-learn's ``TfidfVectorizer`` (a real tokenizer) fitted on the training posts
only: sublinear term frequency (1 + log count) times inverse document frequency, each post's row
scaled to unit length. Raw counts let a long post shout and a frequent word dominate; the network
fits them within an epoch or two and then overfits. Test words outside the vocabulary are ignored.

Either way the whole corpus is vectorized once into sparse matrices and batches are slices of
them, not the tutorials' per-word Python loop.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

RECIPES = ("tutorial", "noleak", "clean")


@dataclass(frozen=True)
class Features:
    train: sp.csr_matrix  # float32 word counts (clean: tf-idf weights), one row per post
    test: sp.csr_matrix
    vocabulary: dict  # word -> column

    @property
    def vocab_size(self):
        return len(self.vocabulary)


def tutorial_tokens(text):
    return [word.lower() for word in text.split(" ")]


def tutorial_vocabulary(texts):
    """word -> index, numbered in order of first appearance, as the tutorials' Counter was."""
    word2index = {}
    for text in texts:
        for word in tutorial_tokens(text):
            word2index.setdefault(word, len(word2index))
    return word2index


def vectorize(corpus, recipe, max_features=None):
    """Features of `corpus` under `recipe`; max_features keeps the clean vocabulary's most frequent words
    only (the benchmark's vocabulary axis)."""
    # Imported here: each of compare's runs starts a process that loads this module with its batches and
    # never vectorizes; scikit-learn takes a second and a half to import.
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    if recipe in ("tutorial", "noleak"):
        texts = list(corpus.train_texts) + (list(corpus.test_texts) if recipe == "tutorial" else [])
        vocabulary = tutorial_vocabulary(texts)
        vectorizer = CountVectorizer(analyzer=tutorial_tokens, vocabulary=vocabulary, dtype=np.float32)
        train = vectorizer.transform(corpus.train_texts)
    elif recipe == "clean":
        vectorizer = TfidfVectorizer(sublinear_tf=True, max_features=max_features, dtype=np.float32)
        # One pass over the training posts where fit, then transform, made two (a third of the time on all 20
        # groups); its rows come with their words unsorted, and sorted they are transform's, bit for bit.
        train = vectorizer.fit_transform(corpus.train_texts)
        train.sort_indices()
    else:
        raise ValueError(f"unknown recipe {recipe!r}; expected one of {RECIPES}")
    return Features(train, vectorizer.transform(corpus.test_texts), dict(vectorizer.vocabulary_))
