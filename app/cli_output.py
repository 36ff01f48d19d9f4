"""A command's output cut short: the program reading it (``rendo stock | head``) closed the
pipe. The command then stops there, silently, as other command-line tools do."""

from __future__ import annotations

import errno
import os
import sys

EXIT_OUTPUT_CLOSED = 141  # what a shell shows for a program ended by SIGPIPE (128 + 13)


def output_closed(error: BaseException) -> bool:
    """Is *error* stdout's reader having gone? Windows may say so with EINVAL instead of
    EPIPE (CPython issue 35754); then only if stdout still cannot be flushed, so that another
    EINVAL is not taken for it."""
    if isinstance(error, BrokenPipeError):
        return True
    if sys.platform != "win32" or not isinstance(error, OSError) or error.errno != errno.EINVAL:
        return False
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


def discard_stdout() -> None:
    """Send what is left of the output to the null device, as Python's documentation advises
    ("Note on SIGPIPE"): flushing it again at exit would fail on the closed pipe too. Done
    the same way on every system; no signal handler (Windows has no SIGPIPE)."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # a stdout that is no file (tests)
        pass
    finally:
        os.close(null)
