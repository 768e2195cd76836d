"""What several test files share and is not a fixture: the tiny archive's maker, the CLI's tiny-run flags,
and the skip mark for a framework that is not installed."""

import io
import tarfile

import numpy as np
import pytest

from shared.dataset import CATEGORIES
from shared.lab.runner import installed_frameworks

FRAMEWORKS_HERE = installed_frameworks()
# The tiny archive's runs: few epochs, small batches, on the CPU.
TINY = ["--epochs", "3", "--batch-size", "16", "--device", "cpu"]
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


def needs(*frameworks):
    missing = [f for f in frameworks if f not in FRAMEWORKS_HERE]
    return pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} not installed")
