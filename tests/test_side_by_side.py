"""The two implementations mirror each other, and the aligned page shows every section of both.

The browser test opens the page in headless Chromium at 1280 px; it fails (not skips) under
CI=true when Chromium is missing. Its screenshot is kept in test-artifacts/."""

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from shared.lab.cli import main
from shared.config import FRAMEWORK_NAMES
from shared.lab.side_by_side import (FAST_FROM, NAMES, ONE_SIDED, PACKAGES, ROOT, SECTIONS, implementation_files,
                                     mirrored_name, public_names, render, source_of)

ARTIFACTS = ROOT / "test-artifacts"


def mirrored(framework, file):
    return [mirrored_name(framework, name) for name in public_names(ROOT / PACKAGES[framework] / file)
            if name not in ONE_SIDED]


def test_same_files_same_names_same_order():
    assert implementation_files("torch") == implementation_files("tf") == ["__init__.py", "data.py", "device.py",
                                                                            "fast.py", "measure.py", "model.py",
                                                                            "train.py"]
    for file in implementation_files("torch"):
        assert mirrored("torch", file) == mirrored("tf", file), file


def test_every_public_name_is_on_the_page_once_and_in_file_order():
    for file in ("model.py", "train.py", "data.py", "device.py", "fast.py", "measure.py"):
        shown = [name for _, section_file, names, _ in SECTIONS if section_file == file for name in names
                 if name not in ONE_SIDED]
        assert sorted(shown) == sorted(mirrored("torch", file)), file
        assert len(set(shown)) == len(shown)


LEARNER_ORDER = ["Batches made where the model runs", "The network", "First layer: dense, sparse or a bag of words",
                 "Weights in, logits out", "The loss and Adam", "One training step", "The training loop", "Evaluation",
                 "Threads, determinism and devices"]
SPEED_FILES = ("fast.py", "measure.py")


def test_the_page_goes_in_a_learners_order_and_making_it_fast_comes_last():
    assert [title for title, *_ in SECTIONS[:FAST_FROM]] == LEARNER_ORDER
    assert all(file not in SPEED_FILES for _, file, _, _ in SECTIONS[:FAST_FROM])
    assert all(file in SPEED_FILES or names == ["make_train_step"] for _, file, names, _ in SECTIONS[FAST_FROM:])
    page = render()
    assert page.index('id="s1"') < page.index(f'id="s{FAST_FROM}"') < page.index('id="fast"') < \
        page.index(f'id="s{FAST_FROM + 1}"')


# What a learner should not meet in the network and its training: the speed and measuring machinery.
SPEED_WORDS = r"\bpad|CUDA ?graph|CUDAGraph|floor|host-fed|to_tensors|peak_memory|PREBUILT"


@pytest.mark.parametrize("framework", PACKAGES)
def test_the_network_and_its_training_read_without_the_speed_machinery(framework):
    lines = [line for file in ("model.py", "train.py")
             for line in (ROOT / PACKAGES[framework] / file).read_text().splitlines() if line.strip()]
    assert len(lines) <= 160
    assert not [line for line in lines if re.search(SPEED_WORDS, line)]


def test_a_name_on_one_side_only_would_fail(tmp_path, monkeypatch):
    """The check above is real: a function added to one side breaks the mirror."""
    import shared.lab.side_by_side as sbs
    for framework, package in PACKAGES.items():
        shutil.copytree(ROOT / package, tmp_path / package)
    with open(tmp_path / "tf_impl" / "train.py", "a") as file:
        file.write("\n\ndef only_in_tensorflow():\n    pass\n")
    monkeypatch.setattr(sbs, "ROOT", tmp_path)
    assert sbs.public_names(tmp_path / "tf_impl" / "train.py")[-1] == "only_in_tensorflow"
    assert sbs.public_names(tmp_path / "torch_impl" / "train.py") != sbs.public_names(tmp_path / "tf_impl" / "train.py")


class Sections(HTMLParser):
    """Collects, per <section>: the text of its torch and tf code cells, its rows (each side's text and whether
    the row is marked as differing), its header links, whether its explanation came before its code, and whether
    it sits in the folded speed part."""

    def __init__(self):
        super().__init__()
        self.sections, self.cell, self.links, self.folded = [], None, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "details":
            self.folded = True
        if tag == "section":
            self.sections.append({"id": attrs["id"], "torch": "", "tf": "", "rows": [], "heads": [], "folded": self.folded,
                                  "why_first": None})
        if tag == "p" and "why" in classes and self.sections and self.sections[-1]["why_first"] is None:
            self.sections[-1]["why_first"] = True
        if tag == "table" and self.sections and self.sections[-1]["why_first"] is None:
            self.sections[-1]["why_first"] = False
        if tag == "tr" and self.sections:
            self.sections[-1]["rows"].append({"differs": "differs" in classes, "torch": "", "tf": ""})
        if tag == "td" and "code" in classes:
            self.cell = classes[1]
        if tag == "a":
            self.links.append(attrs.get("href"))
            if self.sections:
                self.sections[-1]["heads"].append(attrs.get("href"))
        if tag in ("link", "script", "img") and re.match(r"https?:", attrs.get("href") or attrs.get("src") or ""):
            raise AssertionError(f"the page reaches out to the network: {attrs}")

    def handle_data(self, data):
        if self.cell:
            self.sections[-1][self.cell] += data
            self.sections[-1]["rows"][-1][self.cell] += data

    def handle_endtag(self, tag):
        if tag == "td" and self.cell:
            self.sections[-1][self.cell] += "\n"
            self.cell = None
        if tag == "details":
            self.folded = False


def read_page(text):
    page = Sections()
    page.feed(text)
    return page


def test_page_has_every_section_with_both_columns(tmp_path, capsys):
    out = tmp_path / "view.html"
    assert main(["side-by-side", "--out", str(out)]) == 0
    page = read_page(out.read_text())
    assert [s["id"] for s in page.sections] == [f"s{n}" for n in range(1, len(SECTIONS) + 1)]
    assert all(f"#{s['id']}" in page.links for s in page.sections)
    for section, (_, _, names, _) in zip(page.sections, SECTIONS):
        for framework in ("torch", "tf"):
            for name in names:
                if ONE_SIDED.get(name, framework) != framework:  # the empty side names the side that has it
                    assert f"{name}: {FRAMEWORK_NAMES[ONE_SIDED[name]]} only" in section[framework]
                    continue
                shown = NAMES[name][framework] if name in NAMES else name
                assert re.search(rf"\b(def|class) {shown}\b|^{shown} =", section[framework], re.M), (shown, framework)
    rows = next(s for s, (_, _, names, _) in zip(page.sections, SECTIONS) if "Rows" in names)
    assert "Rows: TensorFlow only" in rows["torch"] and "PyTorch only" not in rows["torch"]
    step = next(s for s, (title, *_) in zip(page.sections, SECTIONS) if title == "One training step")
    assert "def train_step" in step["torch"] and "GradientTape" in step["tf"] and "IndexedSlices" in step["tf"]


def test_the_lesson_comes_first_then_the_speed_forms_folded():
    """Read from the page: every lesson section comes before any speed section, which all sit in the folded part;
    each section says what differs before it shows the code."""
    page = read_page(render())
    speed = [n for n, (_, file, names, _) in enumerate(SECTIONS) if file in SPEED_FILES or names == ["make_train_step"]]
    assert speed and all(n >= FAST_FROM for n in speed) and min(speed) == FAST_FROM
    assert [s["folded"] for s in page.sections] == [n >= FAST_FROM for n in range(len(SECTIONS))]
    assert all(s["why_first"] for s in page.sections)


def test_the_rows_where_the_frameworks_differ_are_marked():
    """Lines the same on both sides share an unmarked row; a line on one side only, or unlike its neighbour, is
    marked."""
    page = read_page(render())
    step = page.sections[[title for title, *_ in SECTIONS].index("One training step")]
    rows = [(r["torch"].strip(), r["tf"].strip(), r["differs"]) for r in step["rows"] if r["torch"] or r["tf"]]
    assert ("def train_step(model, optimizer, x, y):", "def train_step(model, optimizer, x, y):", False) in rows
    assert any(t == "loss.backward()" and differs for t, _, differs in rows)
    assert any("GradientTape" in f and differs for t, f, differs in rows)
    assert all(differs == (t != f) for t, f, differs in rows)  # marked exactly where the two texts differ


def test_each_section_links_its_files_and_their_lines(tmp_path):
    """Each side's header links to its file, relative to where the page is written, and names the lines shown,
    which are the lines of the file."""
    out = tmp_path / "pages"
    page_text = render(out)
    for (title, file, names, _), section in zip(SECTIONS, read_page(page_text).sections):
        for framework, package in PACKAGES.items():
            assert os.path.relpath(ROOT / package / file, out) in section["heads"], title
            shown = [n for n in names if ONE_SIDED.get(n, framework) == framework]
            if shown:
                first, lines = source_of(framework, file, shown[0])
                assert f"{package}/{file}</a>, line" in page_text and f"{first}" in page_text
                assert (ROOT / package / file).read_text().splitlines()[first - 1] == lines[0]


def test_page_is_built_from_the_current_source(tmp_path, monkeypatch):
    import shared.lab.side_by_side as sbs
    assert "a fresh comment" not in render()
    for package in PACKAGES.values():
        shutil.copytree(ROOT / package, tmp_path / package)
    path = tmp_path / "torch_impl" / "train.py"
    path.write_text(path.read_text().replace("def predict(model, x):", "# a fresh comment\ndef predict(model, x):"))
    monkeypatch.setattr(sbs, "ROOT", tmp_path)
    assert "a fresh comment" in sbs.render()


# Appended to a copy of the page by the browser test only: measures what a reader sees at 1280 px.
LAYOUT_PROBE = """<script>
const lesson = document.getElementById('fast').getBoundingClientRect().top + window.scrollY;
document.getElementById('fast').open = true;
const result = [...document.querySelectorAll('section')].map(s => {
  const cells = side => [...s.querySelectorAll('td.code.' + side)];
  return {id: s.id, columns: s.querySelectorAll('th').length,
          filled: ['torch', 'tf'].map(side => cells(side).map(c => c.innerText).join('').trim().length),
          clipped: [...s.querySelectorAll('table')].some(t => { const r = t.getBoundingClientRect();
                     return r.left < 0 || r.right > window.innerWidth; }) ||
                   [...s.querySelectorAll('td.code')].some(c => c.scrollWidth > c.clientWidth + 1)};
});
document.body.setAttribute('data-layout', JSON.stringify({width: window.innerWidth, lesson: lesson, sections: result}));
</script>"""


def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed (.ci/run installs the Debian package 'chromium')")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def headless(browser, *args):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120)


def test_page_in_a_real_browser_at_1280_px(tmp_path):
    browser = chromium()
    page = tmp_path / "view.html"
    page.write_text(render().replace("</body>", LAYOUT_PROBE + "</body>"))
    profile = ["--user-data-dir=" + str(tmp_path / "profile"), "--window-size=1280,900"]
    dom = headless(browser, *profile, "--virtual-time-budget=3000", "--dump-dom", page.as_uri())
    layout = json.loads(re.search(r'data-layout="([^"]*)"', dom.stdout).group(1).replace("&quot;", '"'))
    assert layout["width"] == 1280 and len(layout["sections"]) == len(SECTIONS)
    print(f"the lesson part is {layout['lesson']:.0f} px tall at 1280 px")
    for section in layout["sections"]:
        assert section["columns"] == 2 and min(section["filled"]) > 20, section
        assert not section["clipped"], section
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "side-by-side-1280.png"
    headless(browser, *profile, f"--screenshot={shot}", (tmp_path / "view.html").as_uri())
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
