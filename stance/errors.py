"""The errors stance raises for a user's mistakes (bad annotations, bad model directories)."""

from __future__ import annotations


class StanceError(Exception):
    """Base class of the errors stance raises on bad input; the command line prints them without a traceback."""


class AnnotationError(StanceError, ValueError):
    """One or more annotation lines are invalid.

    ``problems`` holds every problem found, each as ``path:line: what is wrong``; the message lists them all,
    so one run reports every bad line.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the annotations:"
        super().__init__("\n".join([head, *("  " + p for p in self.problems)]))


class ModelFormatError(StanceError, ValueError):
    """A directory is not a stance model, or was written by a newer version of stance."""
