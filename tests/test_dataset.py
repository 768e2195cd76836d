import io
import tarfile

import numpy as np
import pytest
from sklearn.datasets import fetch_20newsgroups, load_files

from shared.dataset import (CATEGORIES, SKLEARN_CACHE_FILE, TUTORIAL_CATEGORIES, build_sklearn_cache, carve_validation,
                            load_corpus, parse_categories, parse_remove)
from shared.errors import UserError
from tests.helpers import write_archive


def test_parse_categories():
    assert parse_categories("sci.space, comp.graphics") == ("sci.space", "comp.graphics")
    assert parse_categories("all") == CATEGORIES and len(CATEGORIES) == 20


@pytest.mark.parametrize("text, message", [
    ("sci.spase,comp.graphics", "unknown category sci.spase; valid: alt.atheism"),
    ("", "empty"),
    (" , ", "empty"),
    ("sci.space", "at least two"),
    ("sci.space,sci.space", "twice"),
])
def test_parse_categories_refuses(text, message):
    with pytest.raises(UserError, match=message):
        parse_categories(text)


def test_archive_becomes_sklearns_cache(tiny_archive, tmp_path):
    corpus = load_corpus(("sci.space", "comp.graphics"), tiny_archive, tmp_path)
    assert (tmp_path / SKLEARN_CACHE_FILE).is_file()
    assert [p.name for p in tmp_path.iterdir()] == [SKLEARN_CACHE_FILE]  # nothing else left behind
    # Labels follow scikit-learn's sorted category names, posts its random_state=42 shuffle.
    assert corpus.categories == ("comp.graphics", "sci.space")
    assert len(corpus.train_texts) == 48 and len(corpus.test_texts) == 24
    with tarfile.open(tiny_archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    raw = load_files(tmp_path / "unpacked" / "20news-bydate-train", encoding="latin1")
    keep = np.isin(raw.target, [raw.target_names.index(c) for c in corpus.categories])
    texts = np.array(raw.data, dtype=object)[keep]
    order = np.random.RandomState(42).permutation(keep.sum())
    assert corpus.train_texts == list(texts[order])
    assert all(corpus.categories[label] in text for label, text in zip(corpus.train_labels, corpus.train_texts))
    assert corpus.train_labels.dtype == np.int64


def test_cache_is_reused_without_the_archive(tiny_archive, tmp_path, monkeypatch):
    first = load_corpus(TUTORIAL_CATEGORIES, tiny_archive, tmp_path)
    monkeypatch.delenv("NEWSGROUPS_ARCHIVE", raising=False)
    again = fetch_20newsgroups(data_home=tmp_path, subset="test", categories=list(TUTORIAL_CATEGORIES),
                               download_if_missing=False, shuffle=True, random_state=42)
    assert again.data == first.test_texts


@pytest.mark.parametrize("change", ["renamed", "gone"])
def test_a_scikit_learn_that_keeps_its_cache_elsewhere_is_one_clear_error(tiny_archive, tmp_path, monkeypatch, change):
    """The cache's file name is scikit-learn's private business: a version that names it otherwise (or no
    longer has the name) is refused in one line before anything is written, not met by a download attempt."""
    import sklearn.datasets._twenty_newsgroups as twenty
    if change == "renamed":
        monkeypatch.setattr(twenty, "CACHE_NAME", "20news-bydate-v2.pkz")
    else:
        monkeypatch.delattr(twenty, "CACHE_NAME")
    with pytest.raises(UserError, match=r"^scikit-learn \S+ no longer reads its 20 Newsgroups cache from "
                                        r"20news-bydate_py3\.pkz .*constraints\.txt$"):
        load_corpus(TUTORIAL_CATEGORIES, tiny_archive, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_archive_from_environment(tiny_archive, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSGROUPS_ARCHIVE", str(tiny_archive))
    assert len(load_corpus(TUTORIAL_CATEGORIES, data_home=tmp_path).train_texts) == 72


def broken(tmp_path, name, **kwargs):
    return write_archive(tmp_path / name, (2, 1), **kwargs)


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "nowhere.tar.gz", "archive not found"),
    (lambda tmp: (tmp / "junk.tar.gz").write_bytes(b"not a tarball") and tmp / "junk.tar.gz", "corrupt or unreadable"),
    (lambda tmp: truncated(broken(tmp, "cut.tar.gz")), "corrupt or unreadable"),
    (lambda tmp: broken(tmp, "evil.tar.gz", members={"../escaped.txt": b"x"}), "unsafe archive"),
    (lambda tmp: with_link(broken(tmp, "link.tar.gz")), "unsafe archive"),
    (lambda tmp: other_archive(tmp), "not a 20 Newsgroups bydate archive: no 20news-bydate-test/"),
])
def test_bad_archives_are_refused_and_leave_nothing(make, message, tmp_path):
    archive, home = make(tmp_path), tmp_path / "home"
    with pytest.raises(UserError, match=message):
        load_corpus(TUTORIAL_CATEGORIES, archive, home)
    assert not home.exists() or list(home.iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()


def test_absolute_member_lands_inside(tmp_path):
    outside = tmp_path / "outside" / "absolute.txt"
    archive = broken(tmp_path, "abs.tar.gz", members={str(outside): b"x"})
    assert len(load_corpus(TUTORIAL_CATEGORIES, archive, tmp_path / "home").train_texts) == 6
    assert not outside.exists()


def with_link(path):
    """Adds a symlink member pointing outside the folder it is unpacked into."""
    with tarfile.open(path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]
    with tarfile.open(path, "w:gz") as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data))
        link = tarfile.TarInfo("20news-bydate-train/sneaky")
        link.type, link.linkname = tarfile.SYMTYPE, "../../../../etc/passwd"
        tar.addfile(link)
    return path


def truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def other_archive(tmp_path):
    path = tmp_path / "other.tar.gz"
    (tmp_path / "20news-bydate-train").mkdir()
    (tmp_path / "20news-bydate-train" / "a").write_text("x")
    with tarfile.open(path, "w:gz") as tar:
        tar.add(tmp_path / "20news-bydate-train", arcname="20news-bydate-train")
    return path


def test_missing_category_folder_is_refused(tmp_path):
    archive = write_archive(tmp_path / "a.tar.gz", (2, 1))
    with tarfile.open(archive) as tar, tarfile.open(tmp_path / "b.tar.gz", "w:gz") as out:
        for member in tar:
            if "/sci.med/" not in member.name:
                out.addfile(member, tar.extractfile(member))
    with pytest.raises(UserError, match="no test/sci.med, train/sci.med"):
        build_sklearn_cache(tmp_path / "b.tar.gz", tmp_path / "home")


@pytest.mark.real_data
def test_real_corpus_is_the_tutorials(real_corpus):
    assert (len(real_corpus.train_texts), len(real_corpus.test_texts)) == (1774, 1180)
    assert real_corpus.categories == ("comp.graphics", "rec.sport.baseball", "sci.space")
    assert "More gray levels out of the screen" in real_corpus.train_texts[0]
    assert np.bincount(real_corpus.train_labels).tolist() == [584, 597, 593]
    assert np.bincount(real_corpus.test_labels).tolist() == [389, 397, 394]


def test_parse_remove():
    assert parse_remove("quotes, headers") == ("headers", "quotes")
    assert parse_remove("") == ()
    with pytest.raises(UserError, match="--remove: unknown part signatures; choose from headers, footers, quotes"):
        parse_remove("headers,signatures")


def test_validation_is_carved_from_training_posts_only(tiny_corpus):
    carved = carve_validation(tiny_corpus, 0.25)
    assert len(carved.train_texts) == 54 and len(carved.test_texts) == 18
    assert sorted(carved.train_texts + carved.test_texts) == sorted(tiny_corpus.train_texts)
    assert not set(carved.test_texts) & set(tiny_corpus.test_texts)
    assert carve_validation(tiny_corpus, 0.25).test_texts == carved.test_texts  # the same split every time
    for text, label in zip(carved.test_texts, carved.test_labels):
        assert tiny_corpus.train_labels[tiny_corpus.train_texts.index(text)] == label
    with pytest.raises(UserError, match="leaves no training post"):
        carve_validation(tiny_corpus, 0.999)
    with pytest.raises(UserError, match="leaves no validation post"):
        carve_validation(tiny_corpus, 0.001)


@pytest.mark.real_data
def test_removing_metadata_gives_what_scikit_learn_gives(real_corpus):
    parts = ("headers", "footers", "quotes")
    stripped = load_corpus(TUTORIAL_CATEGORIES, remove=parts)
    for subset, texts in (("train", stripped.train_texts), ("test", stripped.test_texts)):
        theirs = fetch_20newsgroups(subset=subset, categories=list(TUTORIAL_CATEGORIES), shuffle=True,
                                    random_state=42, remove=parts, download_if_missing=False)
        assert len(texts) == len(theirs.data) and texts[0] == theirs.data[0] and texts == theirs.data
    assert "From:" in real_corpus.train_texts[0] and "From:" not in stripped.train_texts[0]
    np.testing.assert_array_equal(stripped.train_labels, real_corpus.train_labels)


def damaged_caches():
    """Ways scikit-learn's cache file can be damaged: (name, bytes)."""
    import codecs
    import pickle
    return [("empty", b""), ("noise", b"\x00not zlib at all" * 50),
            ("truncated", None),  # the first half of a good cache: an interrupted copy
            ("not a pickle", codecs.encode(b"plain text", "zlib_codec")),
            ("no splits", codecs.encode(pickle.dumps({"something": "else"}), "zlib_codec"))]


@pytest.mark.parametrize("name, content", damaged_caches(), ids=[name for name, _ in damaged_caches()])
def test_a_damaged_cache_is_rebuilt_from_the_archive(tiny_archive, tmp_path, capsys, name, content):
    fresh = load_corpus(TUTORIAL_CATEGORIES, tiny_archive, tmp_path / "fresh")
    cache = tmp_path / "home" / SKLEARN_CACHE_FILE
    cache.parent.mkdir()
    good = (tmp_path / "fresh" / SKLEARN_CACHE_FILE).read_bytes()
    cache.write_bytes(good[:len(good) // 2] if content is None else content)
    capsys.readouterr()
    healed = load_corpus(TUTORIAL_CATEGORIES, tiny_archive, cache.parent)
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and f"{cache} could not be loaded" in err and "rebuilding it" in err
    assert healed.train_texts == fresh.train_texts and np.array_equal(healed.test_labels, fresh.test_labels)
    assert [p.name for p in cache.parent.iterdir()] == [SKLEARN_CACHE_FILE]  # nothing else left behind
    again = fetch_20newsgroups(data_home=cache.parent, subset="train", categories=list(TUTORIAL_CATEGORIES),
                               download_if_missing=False, shuffle=True, random_state=42)
    assert again.data == fresh.train_texts  # the rebuilt cache serves the next run as it is


@pytest.mark.slow
@pytest.mark.parametrize("name, content", [c for c in damaged_caches() if c[1] is not None],
                         ids=[name for name, content in damaged_caches() if content is not None])
def test_a_damaged_cache_without_an_archive_is_one_line(tmp_path, capsys, monkeypatch, name, content):
    monkeypatch.delenv("NEWSGROUPS_ARCHIVE", raising=False)
    for proxy in ("https_proxy", "http_proxy", "HTTPS_PROXY", "HTTP_PROXY"):  # a closed local port: no network
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    cache = tmp_path / SKLEARN_CACHE_FILE
    cache.write_bytes(content)
    with pytest.raises(UserError) as raised:
        load_corpus(TUTORIAL_CATEGORIES, data_home=tmp_path)
    message = str(raised.value)
    assert f"{cache} cannot be loaded" in message and "delete it" in message and "NEWSGROUPS_ARCHIVE" in message
    assert "\n" not in message and capsys.readouterr().out == ""
    assert [p.name for p in tmp_path.iterdir()] == [SKLEARN_CACHE_FILE]  # no empty 20news_home left behind
