"""CITATION.cff is valid Citation File Format and names the version the package has."""

import re
from pathlib import Path

from cffconvert.cli.create_citation import create_citation

ROOT = Path(__file__).resolve().parent.parent


def test_citation_file_validates_and_names_the_package_version():
    citation = create_citation(str(ROOT / "CITATION.cff"), None)
    citation.validate()  # raises on any departure from the CFF 1.2.0 schema
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert str(citation.cffobj["version"]) == version
