"""data: loading the corpus (from scikit-learn's cache, and from the archive with no cache) and
vectorizing it with each recipe."""

import os

import pytest

from benchmarks.cases import CATEGORY_SETS, describe
from shared.dataset import ARCHIVE_ENV, load_corpus
from shared.vocab import vectorize


@pytest.mark.parametrize("categories", ["3", "20"])
def test_load_cached(benchmark, settings, corpora, categories):
    corpora(categories)  # makes sure the cache exists, or skips/fails as real-data tests do
    benchmark.group = "data load"
    corpus = benchmark.pedantic(load_corpus, (CATEGORY_SETS[categories],), rounds=settings.rounds, iterations=1)
    describe(benchmark, settings, variant=f"cached {categories}-groups", docs=len(corpus.train_texts) + len(corpus.test_texts),
             versions={})


def test_load_uncached(benchmark, settings, corpora, tmp_path_factory):
    archive = os.environ.get(ARCHIVE_ENV)
    if not archive:
        pytest.skip(f"uncached loading is timed from a local archive: set {ARCHIVE_ENV}")
    benchmark.group = "data load"

    def setup():  # a fresh, empty scikit-learn data folder for every round
        return (CATEGORY_SETS["3"], archive, tmp_path_factory.mktemp("sklearn_data")), {}
    corpus = benchmark.pedantic(load_corpus, setup=setup, rounds=settings.rounds, iterations=1)
    describe(benchmark, settings, variant="archive, no cache 3-groups",
             docs=len(corpus.train_texts) + len(corpus.test_texts), versions={})


@pytest.mark.parametrize("categories", ["3", "20"])
@pytest.mark.parametrize("recipe", ["tutorial", "clean"])
def test_vectorize(benchmark, settings, corpora, recipe, categories):
    corpus = corpora(categories)
    benchmark.group = f"data vectorize {categories}-groups"
    features = benchmark.pedantic(vectorize, (corpus, recipe), rounds=settings.rounds, iterations=1)
    describe(benchmark, settings, variant=recipe, docs=len(corpus.train_texts) + len(corpus.test_texts),
             versions={}, vocab_size=features.vocab_size)
