"""The docs ship with the project: every link in the README and docs/ resolves inside the repository."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DESIGN = ("architecture.md", "publishing.md", "storage.md", "security.md", "testing.md")


def local_links(path: Path) -> list[str]:
    """Return the links of a Markdown file that are not web addresses or in-page anchors."""
    links = LINK.findall(path.read_text(encoding="utf-8"))
    return [link.split("#")[0] for link in links
            if not re.match(r"[a-z][a-z0-9+.-]*:", link) and not link.startswith("#")]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_to_a_file_in_the_repository(path: Path) -> None:
    broken = [link for link in local_links(path)
              if not (target := (path.parent / link).resolve()).exists() or ROOT not in target.parents]
    assert broken == []


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_document_sends_readers_outside_the_repository(path: Path) -> None:
    assert "../shared" not in path.read_text(encoding="utf-8")


def test_the_design_lives_in_docs_and_the_readme_links_to_it() -> None:
    assert [name for name in DESIGN if not (ROOT / "docs" / name).is_file()] == []
    assert "docs/architecture.md" in local_links(ROOT / "README.md")


def test_the_link_check_catches_a_link_out_of_the_repository(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("See [the design](../shared/design/ARCHITECTURE.md) and [site](https://example.org).")
    assert local_links(page) == ["../shared/design/ARCHITECTURE.md"]


MERGE_MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def test_no_tracked_file_holds_a_leftover_merge_conflict() -> None:
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    texts = [ROOT / name for name in tracked
             if name.endswith((".md", ".py", ".html", ".cfg", ".toml", ".js", ".css", ".sh", ".po"))]
    assert [str(p.relative_to(ROOT)) for p in texts
            if p.is_file() and MERGE_MARKER.search(p.read_text(encoding="utf-8", errors="replace"))] == []
