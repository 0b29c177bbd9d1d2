"""The repository stands on its own: no tracked file cites the outside design documents (the
DESIGN, API and STYLE Markdown files, the shared, seeds and reference folders) by a path that
leaves the repository. What the code relies on from them lives in docs/; cite that.

A mention is fine when it names a file of the repository, relative to the repository root or to
the mentioning file's folder (`docs/design.md`, or a sibling's bare name inside docs/). URLs are
not paths."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Written so that this file does not match itself.
OUTSIDE_NAMES = re.compile(r"(?<![\w.-])(?:[\w./-]*/)?(?:design|api|style)\.md\b", re.IGNORECASE)
OUTSIDE_FOLDERS = re.compile(r"(?<![\w.-])(?:[\w./-]*/)?(?:shared|seeds|reference)/[\w./-]*", re.IGNORECASE)
URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)

# For a tree that is not a git checkout: what .gitignore keeps out of the repository.
UNTRACKED_FOLDERS = {
    ".git",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".ledgerd",
    "build",
    "dist",
}


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode()
        return [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for folder, folders, names in os.walk(ROOT):
            folders[:] = [f for f in folders if f not in UNTRACKED_FOLDERS and not f.endswith(".egg-info")]
            files += [Path(folder) / name for name in names]
        return files


def inside_repository(mention: str, mentioned_in: Path) -> bool:
    for base in (ROOT, mentioned_in.parent):
        target = (base / mention).resolve()
        if target.is_relative_to(ROOT) and target.exists():
            return True
    return False


def outside_mentions(path: Path) -> list[str]:
    """`line: mention` for every mention of an outside document in the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []  # binary (an image): no citations
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = URL.sub("", line)
        for pattern in (OUTSIDE_NAMES, OUTSIDE_FOLDERS):
            for match in pattern.finditer(line):
                mention = match.group().rstrip(".")
                if not inside_repository(mention, path):
                    found.append(f"{number}: {mention}")
    return found


def test_no_tracked_file_cites_a_document_outside_the_repository() -> None:
    files = tracked_files()
    assert len(files) > 50, f"found only {len(files)} files under {ROOT}"
    offenders = {
        str(path.relative_to(ROOT)): mentions
        for path in files
        if path.is_file() and (mentions := outside_mentions(path))
    }
    assert offenders == {}, f"cite docs/ instead (docs/design.md, docs/api.md, ...): {offenders}"


def test_the_check_finds_outside_paths_and_accepts_repository_ones(tmp_path: Path) -> None:
    # Built from pieces, so that this file does not cite them itself.
    brief, sibling, seed = "DESIGN" + ".md", "design" + ".md", "seeds" + "/x.txt"
    cited, api_doc = ROOT / "server/ledgerd/server/domain/balances.py", ROOT / "docs/api.md"
    assert not inside_repository(brief, cited)
    assert not inside_repository("shared" + "/reference" + "/card-webhooks.md", cited)
    assert not inside_repository("../../shared" + "/" + brief, api_doc)
    assert inside_repository("docs/design.md", cited)
    assert inside_repository(sibling, api_doc)
    sample = tmp_path / "sample.py"
    sample.write_text(
        f'"""See {brief}, invariant 3, and {seed}; also docs/design.md."""\n'
        + "# https://docs.example.com/reference"
        + "/page is a URL, not a path\n"
    )
    assert outside_mentions(sample) == [f"1: {brief}", f"1: {seed}"]
