"""The event source: a directory that stopped being watched is noticed, not silently lost."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.observer import Watcher

REPO = Path(__file__).resolve().parents[1]


def test_a_watched_directory_made_anew_is_noticed_and_watched_again(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    root.mkdir()
    w = Watcher(lambda path, is_dir: None)
    w.start([(root, True)])
    try:
        assert w.unwatched({root}) == []
        shutil.rmtree(root)
        root.mkdir()  # a new inode under the old name: inotify's watch went with the old one
        missing = w.unwatched({root})
        assert missing == [root]
        w.restart([(root, True)], missing)
        assert w.mode == "inotify" and w.unwatched({root}) == [] and w.notes == []
    finally:
        w.stop()


_PROBE = """
import sys
from pathlib import Path
from analyzer.observer import Watcher
root = Path(sys.argv[1])
w = Watcher(lambda p, d: None)
w.start([(root, True)])
late = root / "job" / "msrun_log"
late.mkdir(parents=True)  # created after start: watchdog drops the limit error for it
import time; time.sleep(0.5)
missing = w.unwatched({late})
w.restart([(root, True)], missing)
print(len(missing), w.mode, *w.notes, sep="|")
w.stop()
"""


def test_the_watch_limit_switches_to_polling_with_a_note(tmp_path: Path) -> None:
    """With the inotify watch limit reached, a directory created later was never watched and
    its files were read only by the 5 s rescan, without a word."""
    shell = 'echo 2 > /proc/sys/user/max_inotify_watches && exec "$@"'
    probe = [sys.executable, "-c", _PROBE, str(tmp_path)]
    try:
        got = subprocess.run(
            ["unshare", "-U", "-r", "sh", "-c", shell, "sh", *probe],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
    except FileNotFoundError:
        pytest.skip("no unshare: cannot lower the inotify limit for one process")
    if got.returncode != 0 and "unshare" in got.stderr:
        pytest.skip(f"user namespaces unavailable: {got.stderr.strip()}")
    assert got.returncode == 0, got.stderr
    missing, mode, note = got.stdout.strip().split("|")
    assert missing == "1" and mode == "polling"
    assert "watch limit" in note and "max_user_watches" in note
