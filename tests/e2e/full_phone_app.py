"""The real `iop-companion` app with faults switched on by files, for browser tests:
* while the file named by IOP_TEST_FULL_PHONE exists, the on-device store refuses every
  write, exactly as when the phone's storage is full (the partition writer gets ENOSPC);
* while the file named by IOP_TEST_BROKEN_JOURNAL exists, drawing the Journal fails
  (a bug in a screen), to show the shell's guard at work. Test-only."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any

from iop_companion import app
from iop_companion.store import storage
from iop_companion.ui import kit
from iop_companion.ui.journal import view as journal_view

FULL_MARKER = Path(os.environ.get("IOP_TEST_FULL_PHONE", "/nonexistent/full"))
BROKEN_JOURNAL_MARKER = Path(os.environ.get("IOP_TEST_BROKEN_JOURNAL", "/nonexistent/journal"))
_real_atomic_write = storage.atomic_write


def _write_unless_full(path: Path, data: bytes) -> None:
    if FULL_MARKER.exists():
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    _real_atomic_write(path, data)


storage.atomic_write = _write_unless_full


class _JournalKit:
    """The kit as the Journal sees it, whose empty state fails while the marker exists."""

    def __getattr__(self, name: str) -> Any:
        if name == "empty_state" and BROKEN_JOURNAL_MARKER.exists():
            raise RuntimeError("a bug in a screen")
        return getattr(kit, name)


journal_view.kit = _JournalKit()  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(app.main(sys.argv[1:]))
