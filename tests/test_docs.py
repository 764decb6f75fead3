"""The sections of docs/methods.md that the code cites exist: every ``methods.md §N`` or ``§N.M`` in the sources,
scripts, rules, schema, report captions, configs and tests names a numbered heading of docs/methods.md."""

import re

import pytest

from conftest import REPO

METHODS = REPO / "docs" / "methods.md"
#: ``methods.md §6.1``, ``methods.md §6.1, §6.3`` or ``methods.md §9; …``: the section numbers that follow it
CITATION = re.compile(r"methods\.md( §\d+(?:\.\d+)?(?:[,;] §\d+(?:\.\d+)?)*)")
CITING = ["src", "scripts", "workflow", "tests", "config", "benchmarks"]
SUFFIXES = {".py", ".smk", ".yaml", ".yml", ".rst", ".md", ""}


def numbered_sections(text: str) -> list[str]:
    """Section numbers of the headings ``## N. Title`` and ``### N.M Title``, in order."""
    return re.findall(r"^## (\d+)\. |^### (\d+\.\d+) ", text, flags=re.M)


def sections_of(text: str) -> set[str]:
    return {a or b for a, b in numbered_sections(text)}


def citations(text: str) -> list[str]:
    return [n for m in CITATION.finditer(text) for n in re.findall(r"§(\d+(?:\.\d+)?)", m.group(1))]


def citing_files():
    files = [REPO / "Snakefile", REPO / "README.md"]
    for top in CITING:
        files += [p for p in (REPO / top).rglob("*") if p.is_file() and p.suffix in SUFFIXES
                  and "__pycache__" not in p.parts]
    return files


def test_methods_sections_are_numbered_in_order():
    found = numbered_sections(METHODS.read_text())
    chapter, sub = 0, 0
    for top, subsection in found:
        if top:
            assert int(top) == chapter + 1, f"docs/methods.md: section {top} follows {chapter}"
            chapter, sub = int(top), 0
        else:
            major, minor = map(int, subsection.split("."))
            assert (major, minor) == (chapter, sub + 1), f"docs/methods.md: {subsection} follows {chapter}.{sub}"
            sub = minor
    assert chapter >= 10


def test_every_cited_methods_section_exists():
    sections = sections_of(METHODS.read_text())
    cited = {}
    for path in citing_files():
        for number in citations(path.read_text(errors="replace")):
            cited.setdefault(number, []).append(str(path.relative_to(REPO)))
    missing = {n: sorted(set(files)) for n, files in cited.items() if n not in sections}
    assert not missing, f"sections cited but not in docs/methods.md: {missing}"
    assert sum(map(len, cited.values())) > 80      # the code cites the methods throughout: this reads them


def test_design_is_cited_by_heading_not_number():
    """docs/design.md has no numbered sections: a section number cited for it would point nowhere."""
    numbered = [str(p.relative_to(REPO)) for p in citing_files()
                if re.search(r"design\.md §", p.read_text(errors="replace"))]
    assert not numbered


@pytest.mark.parametrize("text, expected", [
    ("BSP (methods.md §6.1, §6.3).", ["6.1", "6.3"]),
    ("(methods.md §9; a documented", ["9"]),
    ("methods.md; §4 of the handbook", []),
    ("methods.md §12.3) and §5.3.4 of Knuth", ["12.3"]),
])
def test_citations_are_read(text, expected):
    assert citations(text) == expected


def test_a_missing_section_is_found():
    assert "6.9" not in sections_of("## 6. Bare\n\n### 6.1 BSP\n")
    assert sections_of("## 6. Bare\n\n### 6.1 BSP\n") == {"6", "6.1"}


def test_citation_file_and_readme_cite_the_same_works():
    """CITATION.cff is valid YAML in the Citation File Format's shape, and the DOIs of its references are those the
    README's "Citing" section gives (one list cannot be updated without the other)."""
    import yaml

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["title"] and cff["authors"] and cff["message"]
    assert all(ref["type"] and ref["title"] and ref["authors"] for ref in cff["references"])
    readme = (REPO / "README.md").read_text()
    citing = readme.split("## Citing", 1)[1].split("\n## ", 1)[0]
    doi = re.compile(r"doi:(10\.\d{4,9}/[^\s,;)]+[^\s,;.)])")
    assert {r["doi"] for r in cff["references"] if "doi" in r} == set(doi.findall(citing))
