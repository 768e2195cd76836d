"""20 Newsgroups "bydate": the same documents, labels and order as scikit-learn's loader.

Where there is internet, ``fetch_20newsgroups`` downloads and caches the archive itself.
Offline, a local copy of ``20news-bydate.tar.gz`` is named by ``NEWSGROUPS_ARCHIVE`` (or
``--archive``). scikit-learn refuses a local archive whose checksum is not the official one,
so we unpack it ourselves and write scikit-learn's own cache from it, exactly as its
downloader would (``load_files(folder, encoding="latin1")`` for each split). From then on
``fetch_20newsgroups`` reads that cache: the category filter and the ``random_state=42``
shuffle are scikit-learn's, so the documents and their order are the tutorials'.
"""

import codecs
import contextlib
import io
import os
import pickle
import shutil
import sys
import tarfile
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.errors import UserError

CATEGORIES = (
    "alt.atheism", "comp.graphics", "comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware",
    "comp.sys.mac.hardware", "comp.windows.x", "misc.forsale", "rec.autos", "rec.motorcycles",
    "rec.sport.baseball", "rec.sport.hockey", "sci.crypt", "sci.electronics", "sci.med",
    "sci.space", "soc.religion.christian", "talk.politics.guns", "talk.politics.mideast",
    "talk.politics.misc", "talk.religion.misc",
)
TUTORIAL_CATEGORIES = ("comp.graphics", "sci.space", "rec.sport.baseball")
ARCHIVE_ENV = "NEWSGROUPS_ARCHIVE"
# What scikit-learn's loader can strip from each post: the header block, a trailing signature, and
# lines quoted from other posts; all three are what a classifier can learn a newsgroup from
# without reading the topic.
REMOVABLE = ("headers", "footers", "quotes")
SPLIT_FOLDERS = {"train": "20news-bydate-train", "test": "20news-bydate-test"}
# The file name scikit-learn's fetch_20newsgroups reads its cache from: checked against scikit-learn's own
# private names by sklearn_cache_file(), since this project writes that file itself.
SKLEARN_CACHE_FILE = "20news-bydate_py3.pkz"


@dataclass(frozen=True)
class Corpus:
    train_texts: list
    train_labels: np.ndarray
    test_texts: list
    test_labels: np.ndarray
    categories: tuple  # label i is categories[i]; scikit-learn sorts them by name


def parse_categories(text):
    """'a,b,c' or 'all' -> a tuple of valid category names (raises UserError otherwise)."""
    if text.strip() == "all":
        return CATEGORIES
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise UserError("--categories is empty; give comma-separated names or 'all'")
    unknown = [name for name in names if name not in CATEGORIES]
    if unknown:
        raise UserError(f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                        f"valid: {', '.join(CATEGORIES)}")
    if len(set(names)) != len(names):
        raise UserError(f"--categories names a category twice: {text}")
    if len(names) < 2:
        raise UserError("--categories needs at least two categories to classify")
    return names


def parse_remove(text):
    """'headers,footers,quotes' (any subset, or '' for none) -> a tuple in REMOVABLE's order."""
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - set(REMOVABLE))
    if unknown:
        raise UserError(f"--remove: unknown part{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                        f"choose from {', '.join(REMOVABLE)}")
    return tuple(name for name in REMOVABLE if name in names)


def load_corpus(categories=TUTORIAL_CATEGORIES, archive=None, data_home=None, remove=()):
    """Train and test posts of `categories`, shuffled as fetch_20newsgroups(random_state=42) does, with
    the parts in `remove` stripped by scikit-learn."""
    from sklearn.datasets import get_data_home  # scikit-learn imported where it is used: see shared/vocab.py
    archive = archive or os.environ.get(ARCHIVE_ENV) or None
    data_home = get_data_home(data_home)
    cache = Path(data_home) / sklearn_cache_file()
    if archive is not None:
        archive = Path(archive)
        if archive.is_dir():
            raise UserError(f"20 Newsgroups archive {archive} is a folder; give the 20news-bydate.tar.gz file itself")
        if not archive.is_file():
            raise UserError(f"20 Newsgroups archive not found: {archive}")
        if not cache.is_file():
            build_sklearn_cache(archive, data_home)
    try:
        splits = {subset: fetch(data_home, subset, categories, remove, archive) for subset in ("train", "test")}
    except DamagedCache as damage:
        if archive is None:
            raise UserError(f"the cached 20 Newsgroups data {cache} cannot be loaded ({damage}); delete it, or set "
                            f"{ARCHIVE_ENV} to a local 20news-bydate.tar.gz to rebuild it") from None
        print(f"newsgroups-mlp: the cached 20 Newsgroups data {cache} could not be loaded ({damage}); "
              f"rebuilding it from {archive}", file=sys.stderr)
        build_sklearn_cache(archive, data_home)
        splits = {subset: fetch(data_home, subset, categories, remove, archive) for subset in ("train", "test")}
    return Corpus(splits["train"].data, splits["train"].target.astype(np.int64),
                  splits["test"].data, splits["test"].target.astype(np.int64),
                  tuple(splits["train"].target_names))


def sklearn_cache_file():
    """SKLEARN_CACHE_FILE, once scikit-learn is seen to read its cache from that name. Where it is read from is
    scikit-learn's private business (the cache's name in sklearn.datasets._twenty_newsgroups, made a file name
    by sklearn.datasets._base): a version that keeps it elsewhere would find no cache and try to download."""
    import sklearn
    try:
        from sklearn.datasets._base import _pkl_filepath
        from sklearn.datasets._twenty_newsgroups import CACHE_NAME
        found = Path(_pkl_filepath("", CACHE_NAME)).name
    except (ImportError, TypeError) as error:
        found = f"? ({error})"
    if found != SKLEARN_CACHE_FILE:
        raise UserError(f"scikit-learn {sklearn.__version__} no longer reads its 20 Newsgroups cache from "
                        f"{SKLEARN_CACHE_FILE} (found {found}), which this project writes from a local archive; "
                        f"install the scikit-learn version in constraints.txt")
    return SKLEARN_CACHE_FILE


class DamagedCache(Exception):
    """scikit-learn's cache file is there but cannot be loaded."""


def fetch(data_home, subset, categories, remove, archive):
    """fetch_20newsgroups for one split. A cache file it cannot load is DamagedCache: scikit-learn says so on
    stdout and would download again, or, with an archive at hand (download_if_missing off), fail."""
    from sklearn.datasets import fetch_20newsgroups
    home = Path(data_home) / "20news_home"
    had_home = home.exists()
    said = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(said):
            warnings.simplefilter("ignore")  # its "Retry downloading" warnings: the lines below say it all
            return fetch_20newsgroups(data_home=data_home, subset=subset, categories=list(categories), shuffle=True,
                                      random_state=42, remove=tuple(remove), download_if_missing=archive is None)
    except (OSError, KeyError, TypeError, AttributeError) as error:
        damaged = "Cache loading failed" in said.getvalue() or not isinstance(error, OSError)
        if home.is_dir() and not had_home and not any(home.iterdir()):
            shutil.rmtree(home)  # the empty folder a failed download leaves
        if damaged:
            lines = [line for line in said.getvalue().splitlines() if line.strip() and not line.startswith("_")]
            raise DamagedCache(lines[-1] if lines and isinstance(error, OSError) else
                               f"{type(error).__name__}: {error}") from None
        raise UserError(f"cannot download 20 Newsgroups ({error}); set {ARCHIVE_ENV} to a local "
                        f"20news-bydate.tar.gz") from None


def build_sklearn_cache(archive, data_home):
    """Unpack `archive` safely and write scikit-learn's cache file; nothing is left on failure."""
    from sklearn.datasets import load_files
    os.makedirs(data_home, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_home, prefix="20news-unpack-") as folder:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                # The "data" filter refuses members that would land outside `folder`
                # (absolute paths, "..", links pointing out) and strips special files.
                tar.extractall(folder, filter="data")
        except tarfile.FilterError as error:
            raise UserError(f"unsafe archive {archive}: {error}") from None
        except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
            raise UserError(f"corrupt or unreadable archive {archive}: {error}") from None
        paths = {split: Path(folder) / name for split, name in SPLIT_FOLDERS.items()}
        missing = [name for name, path in zip(SPLIT_FOLDERS.values(), paths.values()) if not path.is_dir()]
        if missing:
            raise UserError(f"{archive} is not a 20 Newsgroups bydate archive: no {', '.join(missing)}/ folder")
        cache = {split: load_files(path, encoding="latin1") for split, path in paths.items()}
        absent = sorted({f"{split}/{name}" for split, bunch in cache.items()
                         for name in set(CATEGORIES) - set(bunch.target_names)})
        if absent:
            raise UserError(f"{archive} is not a 20 Newsgroups bydate archive: no {', '.join(absent)}")
        partial = Path(folder) / SKLEARN_CACHE_FILE
        partial.write_bytes(codecs.encode(pickle.dumps(cache), "zlib_codec"))
        os.replace(partial, Path(data_home) / sklearn_cache_file())


def carve_validation(corpus, fraction):
    """The corpus with its test split replaced by `fraction` of its training posts (the last ones of a
    fixed permutation, the same for every seed), for choosing hyperparameters without the test set."""
    n = len(corpus.train_texts)
    held = int(round(n * fraction))
    if not 0 < held < n:
        raise UserError(f"--validation {fraction} of {n} training posts leaves "
                        f"{'no validation post' if held == 0 else 'no training post'}")
    order = np.random.default_rng(0).permutation(n)
    train, validation = order[:n - held], order[n - held:]
    texts = np.array(corpus.train_texts, dtype=object)
    return Corpus(list(texts[train]), corpus.train_labels[train], list(texts[validation]),
                  corpus.train_labels[validation], corpus.categories)
