"""newsgroups-mlp docs: the docs' figures are the kept runs' figures, and a figure typed over is caught."""

import json
import shutil
from pathlib import Path

import pytest

from shared.lab.cli import main

ROOT = Path(__file__).resolve().parent.parent
# Four kept headline runs, cut to the clean bag epoch's group (tests/fixtures/README.md), copied into a project of
# their own at RUN and beside it.
FIXTURES = ROOT / "tests" / "fixtures" / "headline"
RUNS = ("2026-11-29-1648-deb400c", "2026-11-29-1701-deb400c", "2026-11-29-1721-75983c5", "2026-11-29-2022-653d289")
RUN = f"results/headline/{RUNS[0]}"
BLOCKS = f"""# notes

<!-- docs: table {RUN} headline --><!-- /docs -->

The clean bag epoch: <!-- docs: cell {RUN} headline "ratio (95 % interval; n)" "clean bag epoch, 3 groups" --><!-- /docs -->.
"""


def docs(capsys, *args):
    code = main(["docs", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_generated_figure_in_the_docs_matches_its_source(capsys):
    code, out, err = docs(capsys, "--check")
    assert (code, err) == (0, ""), out + err
    count = int(out.split()[1])
    assert count >= 1, out  # the docs hold generated figures, and each was checked


@pytest.fixture
def project(tmp_path):
    shutil.copytree(FIXTURES / RUNS[0], tmp_path / RUN)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.md").write_text(BLOCKS)
    return tmp_path


def test_a_figure_typed_over_is_caught_then_rewritten_from_the_run(project, capsys):
    notes = project / "docs" / "notes.md"
    code, out, _ = docs(capsys, "--root", str(project))
    assert code == 0 and "2 generated figures written" in out
    written = notes.read_text()
    assert "| clean bag epoch, 3 groups | 0.1263 | 0.1589 | 1.28× (1.18–1.38; 5 processes × 5 rounds) |" in written
    assert "epoch: <!-- docs: cell" in written and "1.28× (1.18–1.38; 5 processes × 5 rounds)<!-- /docs -->." in written
    assert f"[`{RUN}`](../{RUN})" in written  # from docs/
    notes.write_text(written.replace("1.28× (1.18–1.38", "1.25× (1.18–1.38", 1))
    code, out, err = docs(capsys, "--root", str(project), "--check")
    assert code == 1 and out == "docs/notes.md:3: differs from its source\n"
    assert err.count("\n") == 1 and "1 of 2 generated figures differ" in err
    assert docs(capsys, "--root", str(project))[0] == 0
    assert notes.read_text() == written
    assert docs(capsys, "--root", str(project), "--check")[0] == 0


def test_a_block_with_history_widens_its_intervals_by_the_other_runs(project, capsys):
    """`--history` at a block's end is the report's: the cell's ratio then rests on the other kept runs too (the
    run itself, in the history folder, is left out), and the table's caption gives the command."""
    for other in RUNS[1:]:
        shutil.copytree(FIXTURES / other, project / RUN.replace(RUNS[0], other))
    folder = RUN.rsplit("/", 1)[0]
    notes = project / "docs" / "notes.md"
    notes.write_text(BLOCKS.replace(" headline -->", f" headline --history {folder} -->")
                     .replace('"clean bag epoch, 3 groups" -->', f'"clean bag epoch, 3 groups" --history {folder} -->'))
    assert docs(capsys, "--root", str(project))[0] == 0
    written = notes.read_text()
    cell = written.split("The clean bag epoch: ")[1].split("<!-- /docs -->")[0].split("-->")[1]
    low, high = map(float, cell.split("(")[1].split(";")[0].split("–"))
    assert cell.endswith("; 5 processes × 5 rounds + the spread of 3 runs)") and cell in written.split("The clean")[0]
    assert low < 1.18 and high > 1.38  # wider than the run's own 1.18–1.38
    assert f"`newsgroups-mlp report {RUN} --history {folder}`" in written


@pytest.mark.parametrize("block, message", [
    (f"figure {RUN}/process-1.json datetime --history {RUN}", "figure takes no --history"),
    ("table results/nowhere headline", "docs/notes.md:7: results/nowhere: no such file or folder"),
    (f"table {RUN} nosuch", "gives no table 'nosuch'"),
    (f"cell {RUN} headline ratio \"clean bag epoch, 3 groups\"", "has no column 'ratio'"),
    (f"cell {RUN} headline \"PyTorch s\" \"no such row\"", "has no row 'no such row'"),
    ("chart x", "unknown block 'chart x'"),
    (f"table {RUN}", "wrong number of arguments")])
def test_a_bad_block_is_one_line_and_nothing_is_written(project, capsys, block, message):
    notes = project / "docs" / "notes.md"
    text = BLOCKS + f"\n<!-- docs: {block} --><!-- /docs -->\n"
    notes.write_text(text)
    code, out, err = docs(capsys, "--root", str(project))
    assert code == 1 and out == "" and err.count("\n") == 1 and message in err and "Traceback" not in err
    assert notes.read_text() == text  # the good blocks above it were not written either


@pytest.mark.parametrize("file, text, message", [
    ("docs/notes.md", "See [the recipes](accuracy.md#the-recipes).", "docs/notes.md:1: links to accuracy.md, which does not exist"),
    ("docs/notes.md", "See [the top](#no-such-heading).", "docs/notes.md:1: links to #no-such-heading, a section notes.md does not have"),
    ("docs/notes.md", 'As README, "Two commands" says.', 'docs/notes.md:1: points to README, "Two commands", a section it does not have'),
    ("shared/thing.py", '# the loss (LESSONS §9)\n', "shared/thing.py:1: points to LESSONS §9, which LESSONS.md does not have"),
    ("shared/thing.py", '"""Made in shared/nowhere.py."""\n', "shared/thing.py:1: names shared/nowhere.py, which does not exist"),
    ("Makefile", "# see docs/gone.md\n", "Makefile:1: names docs/gone.md, which does not exist"),
])
def test_a_pointer_that_leads_nowhere_fails_the_check(project, capsys, file, text, message):
    (project / "README.md").write_text("# A project\n\n## Words\n\n" + BLOCKS)  # the blocks: notes.md is rewritten
    (project / "LESSONS.md").write_text("# Lessons\n\n## 1. The first\n")
    assert docs(capsys, "--root", str(project))[0] == 0
    assert docs(capsys, "--root", str(project), "--check")[0] == 0
    (project / file).parent.mkdir(exist_ok=True)
    (project / file).write_text(text)
    code, out, err = docs(capsys, "--root", str(project), "--check")
    assert code == 1 and message in out.splitlines(), out
    assert "1 pointer leads nowhere" in err and err.count("\n") == 1


def test_the_projects_own_pointers_all_lead_somewhere():
    from shared.lab.pointers import broken
    assert broken(ROOT) == []


def test_a_picture_is_drawn_from_its_compare_run_and_checked_by_what_it_was_drawn_from(project, capsys):
    shutil.copytree(FIXTURES.parent / "compare", project / "results" / "compare")
    notes = project / "docs" / "notes.md"
    notes.write_text("<!-- docs: picture results/compare docs/curves.png --><!-- /docs -->\n")
    code, out, _ = docs(capsys, "--root", str(project))
    picture = project / "docs" / "curves.png"
    assert code == 0 and "(2 changed)" in out and picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![Training loss" in notes.read_text() and "seeds 0, 1, 2](curves.png)" in notes.read_text()
    assert picture.stat().st_mode & 0o777 == 0o644
    drawn = picture.read_bytes()
    assert docs(capsys, "--root", str(project), "--check")[0] == 0
    assert docs(capsys, "--root", str(project))[1].endswith("(0 changed)\n") and picture.read_bytes() == drawn
    # another run's losses: the check fails on the picture, and docs draws it again
    record = project / "results" / "compare" / "tf-seed1.json"
    changed = json.loads(record.read_text())
    changed["step_losses"][0] *= 2
    record.write_text(json.dumps(changed))
    code, out, _ = docs(capsys, "--root", str(project), "--check")
    assert code == 1 and "docs/curves.png: drawn from another source than its block's" in out
    assert docs(capsys, "--root", str(project))[0] == 0 and picture.read_bytes() != drawn
    assert docs(capsys, "--root", str(project), "--check")[0] == 0


def test_readme_leads_with_what_it_is_a_generated_picture_and_the_two_commands():
    import re
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    assert "make compare" in head and "make test" in head
    picture = re.search(r"<!-- docs: picture \S+ (\S+\.png) -->\n!\[[^\]]+\]\((\S+\.png)\)\n<!-- /docs -->", head)
    assert picture and picture.group(1) == picture.group(2) and (ROOT / picture.group(1)).is_file()
