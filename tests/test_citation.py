"""CITATION.cff holds what the Citation File Format 1.2.0 requires, and agrees with pyproject.toml on the
version and the licence.

The format's own validator (cffconvert) pins jsonschema 3, which would downgrade the library in a learner's
environment; the schema's rules that apply to this file are checked here instead, on the parsed YAML."""

import datetime
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The schema's required keys and the types of the optional ones this file uses (CFF 1.2.0).
REQUIRED = {"cff-version": str, "message": str, "title": str, "authors": list}
OPTIONAL = {"type": str, "version": str, "date-released": datetime.date, "license": str, "abstract": str,
            "keywords": list}
KEYS = {*REQUIRED, *OPTIONAL, "commit", "contact", "doi", "identifiers", "license-url", "preferred-citation",
        "references", "repository", "repository-artifact", "repository-code", "url"}  # every top-level key CFF 1.2.0 has


def problems(citation):
    """What in a parsed CITATION.cff departs from the CFF 1.2.0 rules above (an empty list when nothing does)."""
    found = [f"missing {key}" for key in REQUIRED if key not in citation]
    found += [f"{key} is not a {kind.__name__}" for key, kind in {**REQUIRED, **OPTIONAL}.items()
              if key in citation and not isinstance(citation[key], kind)]
    found += [f"unknown key {key}" for key in citation if key not in KEYS]
    if citation.get("cff-version") != "1.2.0":
        found.append(f"cff-version {citation.get('cff-version')!r} is not 1.2.0")
    if citation.get("type", "software") not in ("software", "dataset"):
        found.append(f"type {citation['type']!r} is neither software nor dataset")
    for author in citation.get("authors") or [None]:
        if not isinstance(author, dict) or not (author.get("name") or author.get("family-names")):
            found.append(f"author {author!r} has neither a name (an entity) nor family-names (a person)")
    return found


def test_citation_file_follows_the_format_and_names_the_packages_version_and_licence():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert problems(citation) == []
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert str(citation["version"]) == project["version"]
    assert citation["license"] == project["license"] == "MIT"
    assert re.search(r"^MIT License$", (ROOT / "LICENSE").read_text(), re.M)


def test_the_check_finds_what_the_format_forbids():
    good = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert problems({**good, "authors": [{"affiliation": "x"}]})
    assert problems({k: v for k, v in good.items() if k != "message"}) == ["missing message"]
    assert problems({**good, "date-released": "26 Nov 2026"}) == ["date-released is not a date"]
    assert problems({**good, "licence": "MIT"}) == ["unknown key licence"]
