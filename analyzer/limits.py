"""Process limits a session with many rank files needs.

A job of 1,024 ranks means 1,024 open logs, one past the usual soft limit of open files
(``ulimit -n`` is 1024 on most distributions, while the hard limit is far higher). Raising the
soft limit to the hard one is what ``ulimit -n`` would do and needs no privilege.
"""

from __future__ import annotations

import contextlib
import resource

#: Enough for 16,384 rank files and their neighbours; more is never needed.
WANTED = 1 << 15


def raise_open_files(wanted: int = WANTED) -> int:
    """Raise the soft limit of open files towards ``wanted`` (up to the hard limit); returns
    the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
