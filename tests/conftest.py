"""Fixtures: a tiny synthetic 20news archive for fast tests, and the real corpus for the rest.

Real-data tests skip when the data cannot be had, except under CI=true, where they fail.
"""

import contextlib
import io
import os
import tarfile

import numpy as np
import pytest

from shared.allocator import give_back_freed_memory, host_mb, keep_freed_memory
from shared.cli import default_threads
from shared.config import Hyperparameters
from shared.dataset import CATEGORIES, TUTORIAL_CATEGORIES, load_corpus
from shared.errors import UserError
from shared.runner import implementation, installed_frameworks, run

# TensorFlow's CPU allocator (oneDNN's) keeps a pool of the most its tensors ever took, for the life of the
# process (LESSONS §4); the suite runs dozens of trainings in one process, so there it takes memory from the
# system allocator and gives it back. What is computed is the same; only the tests run this way.
os.environ.setdefault("TF_ONEDNN_USE_SYSTEM_ALLOCATOR", "true")
FRAMEWORKS_HERE = installed_frameworks()
# TensorFlow takes its thread count only before its first op: set it once, for the whole session.
for _framework in FRAMEWORKS_HERE:
    implementation(_framework).configure_threads(default_threads())

TOPIC_WORDS = {
    "comp.graphics": "pixel render image polygon shading texture gif jpeg",
    "sci.space": "orbit rocket nasa launch shuttle lunar satellite probe",
    "rec.sport.baseball": "pitcher inning homer batting season league bullpen umpire",
}
COMMON_WORDS = "the a of and to in is it that for on with as was".split()


def synthetic_post(rng, category, number):
    words = TOPIC_WORDS.get(category, "misc note item thing").split()
    body = " ".join(rng.choice(words + COMMON_WORDS, size=int(rng.integers(8, 20))))
    return f"From: user{number}@example.org\nSubject: {category} {number}\n\n{body} Capital {body.upper()}\n"


def write_archive(path, posts_per_category=(24, 12), members=None):
    """A .tar.gz laid out like 20news-bydate.tar.gz: every category in both splits, made-up posts.

    `members` maps extra member names to bytes (to build broken archives)."""
    rng = np.random.default_rng(0)
    number = 10000
    with tarfile.open(path, "w:gz") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for split, count in zip(("train", "test"), posts_per_category):
            for category in CATEGORIES:
                for _ in range(count if category in TOPIC_WORDS else 2):
                    number += 1
                    add(f"20news-bydate-{split}/{category}/{number}",
                        synthetic_post(rng, category, number).encode("latin1"))
        for name, data in (members or {}).items():
            add(name, data)
    return path


# The host allocator as the CLI and the benchmark set it (shared/allocator.py): freed blocks kept for reuse, so a
# training step does not fault in its gradient's pages anew (without it the 20-group trainings here run twice as
# long). What one test's trainings left free is handed back to the kernel after it (malloc_trim), so the suite
# holds about one test's memory at a time, not the most any test ever freed.
keep_freed_memory()


@pytest.fixture(autouse=True)
def freed_memory_given_back():
    yield
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


TINY = ["--epochs", "3", "--batch-size", "16", "--device", "cpu"]


@pytest.fixture(scope="session")
def tiny_compare(tiny_archive, tmp_path_factory):
    """(stdout, folder) of one `compare --recipe clean --dropout 0` on the tiny archive, with its default three
    seeds: tests/test_cli.py reads its table and records, tests/test_report.py makes reports of its records.
    Each of its six runs starts a process of its own, so one compare serves both."""
    from shared.cli import main
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


def needs(*frameworks):
    missing = [f for f in frameworks if f not in FRAMEWORKS_HERE]
    return pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} not installed")


def pytest_terminal_summary(terminalreporter):
    """The suite's own peak memory, so a regression shows where it happens (the README gives the figure)."""
    peak = host_mb("VmHWM")
    if peak is not None:
        terminalreporter.write_line(f"peak resident memory of this pytest process: {peak / 1024:.2f} GB "
                                    f"(the processes it starts not included)")
