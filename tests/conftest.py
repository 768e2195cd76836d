"""Fixtures: a tiny synthetic 20news archive for fast tests, and the real corpus for the rest (what is shared
and not a fixture is in tests/helpers.py).

Real-data tests skip when the data cannot be had, except under CI=true, where they fail.
"""

import contextlib
import io
import os

import pytest

from shared.lab.allocator import give_back_freed_memory, host_mb, keep_freed_memory
from shared.lab.cli import default_threads
from shared.config import Hyperparameters
from shared.dataset import TUTORIAL_CATEGORIES, load_corpus
from shared.errors import UserError
from shared.lab.runner import implementation, run
from tests.helpers import FRAMEWORKS_HERE, TINY, write_archive

# TensorFlow's CPU allocator (oneDNN's) keeps a pool of the most its tensors ever took, for the life of the
# process (LESSONS §4); the suite runs dozens of trainings in one process, so there it takes memory from the
# system allocator and gives it back. What is computed is the same; only the tests run this way.
os.environ.setdefault("TF_ONEDNN_USE_SYSTEM_ALLOCATOR", "true")
# TensorFlow takes its thread count only before its first op: set it once, for the whole session.
for _framework in FRAMEWORKS_HERE:
    implementation(_framework).configure_threads(default_threads())

# The host allocator as the CLI and the benchmark set it (shared/lab/allocator.py): freed blocks kept for reuse, so a
# training step does not fault in its gradient's pages anew (without it the 20-group trainings here run twice as
# long). What one test's trainings left free is handed back to the kernel after it (malloc_trim), so the suite
# holds about one test's memory at a time, not the most any test ever freed. Handing back costs a garbage
# collection of every framework object (about 0.3 s), so it is done only after a test that grew the process.
keep_freed_memory()
GREW_MB = 100


@pytest.fixture(autouse=True)
def freed_memory_given_back():
    before = host_mb("VmRSS")
    yield
    if before is None or host_mb("VmRSS") - before > GREW_MB:
        give_back_freed_memory()


@pytest.fixture(scope="session")
def tiny_archive(tmp_path_factory):
    return write_archive(tmp_path_factory.mktemp("archive") / "20news-bydate.tar.gz")


@pytest.fixture(scope="session")
def tiny_corpus(tiny_archive, tmp_path_factory):
    return load_corpus(TUTORIAL_CATEGORIES, tiny_archive, tmp_path_factory.mktemp("sklearn_data"))


@pytest.fixture
def tiny_env(tiny_archive, tmp_path, monkeypatch):
    """Environment for a CLI run on the tiny archive, with its own scikit-learn cache folder."""
    monkeypatch.setenv("NEWSGROUPS_ARCHIVE", str(tiny_archive))
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sklearn_data"))
    return {**os.environ}




@pytest.fixture(scope="session")
def tiny_compare(tiny_archive, tmp_path_factory):
    """(stdout, folder) of one `compare --recipe clean --dropout 0` on the tiny archive, with its default three
    seeds: tests/test_cli.py reads its table and records, tests/test_report.py makes reports of its records.
    Each of its six runs starts a process of its own, so one compare serves both."""
    from shared.lab.cli import main
    folder = tmp_path_factory.mktemp("compare")
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as stdout:
        patch.setenv("NEWSGROUPS_ARCHIVE", str(tiny_archive))
        patch.setenv("SCIKIT_LEARN_DATA", str(tmp_path_factory.mktemp("sklearn_data")))
        code = main(["compare", "--recipe", "clean", "--dropout", "0", *TINY, "--out", str(folder)])
    assert code == 0, stdout.getvalue()
    return stdout.getvalue(), folder


@pytest.fixture(scope="session")
def real_corpus_of():
    """load(categories) -> the real corpus, loaded once a session; a skip, or under CI=true a failure, where it
    cannot be had."""
    loaded = {}

    def load(categories=TUTORIAL_CATEGORIES):
        if categories not in loaded:
            try:
                loaded[categories] = load_corpus(categories)
            except UserError as error:
                message = f"the real 20 Newsgroups data is not available ({error})"
                if os.environ.get("CI") == "true":
                    pytest.fail(message)
                pytest.skip(message)
        return loaded[categories]
    return load


@pytest.fixture(scope="session")
def real_corpus(real_corpus_of):
    return real_corpus_of()


@pytest.fixture(scope="session")
def real_runs(real_corpus_of):
    """train(framework, **hyperparameters) -> RunRecord on the real corpus (the hyperparameters' categories),
    each run done once a session and each corpus vectorized once per recipe."""
    done, features = {}, {}

    def train(framework, **overrides):
        hp = Hyperparameters(**overrides).resolved(framework)
        key = (framework, hp)
        if key not in done:
            from shared.batches import prepare
            from shared.vocab import vectorize
            corpus = real_corpus_of(hp.categories)
            if (hp.recipe, hp.categories) not in features:
                features[hp.recipe, hp.categories] = vectorize(corpus, hp.recipe)
            done[key] = run(framework, prepare(corpus, hp, features[hp.recipe, hp.categories]), hp, "cpu",
                            default_threads(), quiet=True)
        return done[key]
    return train


def pytest_terminal_summary(terminalreporter):
    """The suite's own peak memory, so a regression shows where it happens (the README gives the figure)."""
    peak = host_mb("VmHWM")
    if peak is not None:
        terminalreporter.write_line(f"peak resident memory of this pytest process: {peak / 1024:.2f} GB "
                                    f"(the processes it starts not included)")
