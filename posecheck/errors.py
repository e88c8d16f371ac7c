"""Errors that reach the user as one line (command line: exit code 2)."""


class PosecheckError(Exception):
    """Base class for problems the user can fix; the message is shown as is."""


class InputError(PosecheckError):
    """A file, option or value given by the user cannot be used."""


class RuleError(PosecheckError):
    """A rule file is missing, malformed or inconsistent."""
