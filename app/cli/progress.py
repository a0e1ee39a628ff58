"""A CLI progress bar for publishing, fed by the pipeline's progress callback."""
from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType

import click

STAGES = {
    "bg": {"read": "Четене", "database": "База данни"},
    "en": {"read": "Reading", "database": "Database"},
}
LARGE = 5_000_000  # bytes: smaller files finish before a bar would help
SAMPLE = 1 << 20
WIDTH = 30


def estimate_rows(path: Path) -> int:
    """Guess the row count from the line density of the file's first megabyte."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE)
    lines = max(sample.count(b"\n"), 1)
    return max(int(size * lines / max(len(sample), 1)), 1)


class Progress:
    """Draw a bar per stage (rows done of the estimated total) on a terminal, for large files."""

    def __init__(self, path: Path, *, lang: str = "bg") -> None:
        self.enabled = path.stat().st_size >= LARGE and sys.stderr.isatty()
        self.total = estimate_rows(path) if self.enabled else 1
        self.labels = STAGES["en" if lang == "en" else "bg"]
        self.stage = ""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.enabled and self.stage:
            click.echo("", err=True)

    def update(self, stage: str, done: int = 0) -> None:
        if not self.enabled or stage not in self.labels:
            return
        if stage != self.stage and self.stage:
            click.echo("", err=True)
        self.stage = stage
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * WIDTH)
        click.echo(f"\r{self.labels[stage]:<11}[{bar:<{WIDTH}}] {share:4.0%} {done:>11,}"
                   .replace(",", " "), nl=False, err=True)
