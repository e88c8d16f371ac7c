"""Errors that reach the user as one line (command line: exit code 2)."""


class PosecheckError(Exception):
    """Base class for problems the user can fix; the message is shown as is."""


class InputError(PosecheckError):
    """A file, option or value given by the user cannot be used."""


class RuleError(PosecheckError):
    """A rule file is missing, malformed or inconsistent."""


class ProgrammeError(PosecheckError):
    """A programme file (``programmes/*.toml``) is missing, malformed or names unknown exercises."""


class HistoryError(PosecheckError):
    """The history database cannot be opened, read or written; coaching carries on without it."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during an analysis, after the results so far were saved.

    A ``KeyboardInterrupt`` still, so code that stops on Ctrl-C keeps doing so; ``saved``
    is the output folder holding the partial results (None when nothing could be saved)
    and ``at_s`` the video time where the analysis stopped.
    """

    def __init__(self, saved: object = None, at_s: float = 0.0) -> None:
        super().__init__(f"interrupted at {at_s:.2f} s")
        self.saved = saved
        self.at_s = at_s
