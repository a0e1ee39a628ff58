"""Validation problems as values, collected in a report."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from metadata.messages import Text


@dataclass(frozen=True)
class Problem:
    """One thing wrong (severity "error"), or worth knowing ("notice", or "warning" for data that
    publishes but loses something, such as an unknown place code) about the input.

    `code` is the frictionless error type (`type-error`, `constraint-error`, `missing-cell`,
    `extra-cell`, `unique-error`, `primary-key`, `blank-row`, ...) or one of ours
    (`subtotal-row`, `title-row`, `missing-column`, `extra-column`, `bad-encoding`, ...).
    `row` is the record's number in the original upload, header included, counting from 1.
    """

    code: str
    message: Text
    row: int | None = None
    field: str | None = None
    value: str | None = None
    severity: str = "error"


@dataclass(frozen=True)
class Report:
    """What reading and validating a file found."""

    problems: tuple[Problem, ...] = ()
    row_count: int = 0
    truncated: bool = False  # True when the error limit stopped the listing early
    error_count: int = 0  # every error seen, even past the listing limit

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def notices(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity != "error")

    @property
    def valid(self) -> bool:
        return self.error_count == 0 and not self.errors

    def summary(self) -> list[tuple[str, int]]:
        """Count the listed errors by code, most frequent first."""
        return Counter(p.code for p in self.errors).most_common()


@dataclass
class ReportBuilder:
    """Collects problems up to a limit while counting all of them."""

    limit: int = 1000
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    truncated: bool = False

    def add(self, problem: Problem) -> None:
        if problem.severity == "error":
            self.error_count += 1
        if len(self.problems) < self.limit:
            self.problems.append(problem)
        else:
            self.truncated = True

    @property
    def full(self) -> bool:
        return len(self.problems) >= self.limit

    def build(self, *, row_count: int) -> Report:
        return Report(tuple(self.problems), row_count, self.truncated, self.error_count)
