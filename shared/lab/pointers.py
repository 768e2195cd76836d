"""Pointers that must hold, checked by `newsgroups-mlp docs --check`: every link in the docs, and every place the
docs, a comment or a docstring sends the reader to.

What counts as a pointer:
  a Markdown link             [text](path#anchor): the file exists beside the page; the anchor is one of its headings
  a section                   README, "Two commands" or docs/accuracy.md: "The recipes": a heading of that file
  a numbered lesson           LESSONS §4: a heading "## 4." in LESSONS.md
  a path                      shared/batches.py, docs/gpu.md, results/cpu-2core-epyc: a file or folder of the project
Code is read for its comments and docstrings, and the library's own code (not the tests') for its strings too, which
hold the side-by-side page's prose.
"""

import ast
import io
import re
import tokenize
from pathlib import Path

from shared.errors import UserError

MARKDOWN = ("README.md", "LESSONS.md", "results/README.md", "docs/*.md", "tests/fixtures/README.md")
CODE = ("shared/**/*.py", "torch_impl/*.py", "tf_impl/*.py", "benchmarks/*.py", "tests/*.py", "docs/*.py")
PLAIN = ("Makefile", "constraints.txt", "pyproject.toml", ".ci/run")
FOLDERS = ("shared", "torch_impl", "tf_impl", "benchmarks", "tests", "docs", "results", ".ci")

LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
SECTION = re.compile(r"\b(README|LESSONS|results/README|docs/[a-z_]+)(?:\.md)?[,:] \\?\"([^\"\\]+)\\?\"")
LESSON = re.compile(r"\bLESSONS(?:\.md)? §(\d+)")
# A path: one of the project's folders, then names; not a placeholder (a name in capitals, FOLDER) nor a unit
# (docs/s, posts a second).
PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(map(re.escape, FOLDERS))})/[\w.-]*(?:/[\w.-]+)*\w)(?![\w*{{])")
PLACEHOLDER = re.compile(r"(^|[/-])[A-Z]{3,}([/.-]|$)|^docs/s$")


def slug(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped but hyphens, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def headings(path):
    """The headings of a Markdown file, as written, outside fenced code."""
    found, fenced = [], False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            found.append(line.lstrip("#").strip())
    return found


def markdown_file(root, name):
    return root / (name if name.endswith(".md") else f"{name}.md")


def code_texts(path, strings):
    """(line, text) of a Python file's comments and docstrings, and of all its strings where `strings`."""
    source = path.read_text()
    try:
        tree = ast.parse(source)
        texts = [(token.start[0], token.string) for token in tokenize.generate_tokens(io.StringIO(source).readline)
                 if token.type == tokenize.COMMENT]
    except (SyntaxError, tokenize.TokenError) as error:
        raise UserError(f"{path}:{getattr(error, 'lineno', None) or '?'}: its pointers cannot be read, it is not "
                        f"Python ({getattr(error, 'msg', None) or error})") from None
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (strings or id(node) in docstrings):
            texts.append((node.lineno, ast.get_source_segment(source, node) or node.value))
    return texts


def texts_of(root):
    """(file, line, text, is Markdown) for every text the check reads."""
    for pattern in MARKDOWN:
        for path in sorted(root.glob(pattern)):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                yield path, number, line, True
    for pattern in CODE:
        for path in sorted(root.glob(pattern)):
            if path.name == "pointers.py":  # its strings are the patterns themselves
                continue
            for number, text in code_texts(path, strings=not path.relative_to(root).parts[0] == "tests"):
                yield path, number, text, False
    for name in PLAIN:
        path = root / name
        if path.exists():
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if line.lstrip().startswith("#"):
                    yield path, number, line, False


def broken(root):
    """['file:line: what is missing', ...] for every pointer under `root` that leads nowhere."""
    root = Path(root)
    problems, sections = [], {}

    def has_heading(file, title):
        if file not in sections:
            sections[file] = headings(file) if file.is_file() else None
        return sections[file] is not None and any(h == title or slug(h) == slug(title) for h in sections[file])

    for path, number, text, markdown in texts_of(root):
        where = f"{path.relative_to(root)}:{number}"
        if markdown:
            for target in LINK.findall(text):
                if re.match(r"[a-z]+:", target):
                    continue
                file, _, anchor = target.partition("#")
                linked = (path.parent / file).resolve() if file else path
                if not linked.exists():
                    problems.append(f"{where}: links to {file}, which does not exist")
                elif anchor and linked.suffix == ".md" and not has_heading(linked, anchor):
                    problems.append(f"{where}: links to {target}, a section {file or path.name} does not have")
        for name, title in SECTION.findall(text):
            if not has_heading(markdown_file(root, name), title):
                problems.append(f'{where}: points to {name}, "{title}", a section it does not have')
        for lesson in LESSON.findall(text):
            if not any(h.startswith(f"{lesson}. ") for h in headings(root / "LESSONS.md")):
                problems.append(f"{where}: points to LESSONS §{lesson}, which LESSONS.md does not have")
        for pointed in PATH.findall(text):
            if PLACEHOLDER.search(pointed):
                continue
            if not (root / pointed).exists() and not (markdown and (path.parent / pointed).exists()):
                problems.append(f"{where}: names {pointed}, which does not exist")
    return problems
