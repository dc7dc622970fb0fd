"""Files that will not decrypt or parse are moved aside here, never deleted.

The notes are plain text (they must be readable before unlock, to explain what
happened) and therefore say only *what kind of problem* a file had: never which
collection or week it held, and never any content.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from .durable import atomic_write, ensure_dir, fsync_dir

log = logging.getLogger(__name__)

NOTES_FILE = "notes.json"

_REASONS = {
    "truncated": "was cut short (it is smaller than any valid data file)",
    "foreign_format": "is not an IOP Companion data file",
    "other_install": "belongs to another installation of IOP Companion",
    "damaged": "could not be decrypted: it is damaged or was changed outside the app",
    "unknown_name": "was not created by this installation of IOP Companion",
    "unparseable": "decrypted, but its contents could not be read",
    "leftover": "was left from an earlier setup whose key no longer exists",
    "preferences": "(app preferences) could not be read; default preferences are used",
    "attempts": "(the wrong-PIN counter) could not be read; the counter was restarted",
}


class Quarantine:
    def __init__(self, root: Path) -> None:
        self.root = root

    def move_aside(self, path: Path, reason: str) -> str:
        """Move ``path`` into the quarantine folder and record a note. Returns the note."""
        ensure_dir(self.root)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.root / f"{stamp}-{path.name}"
        # Why os.replace and not copy+delete: the file is moved in one atomic step on
        # the same file system, so a crash leaves it in exactly one of the two places.
        path.replace(target)
        fsync_dir(path.parent)
        fsync_dir(self.root)
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        note = (
            f"{when}: a data file {_REASONS.get(reason, 'could not be read')}. "
            f"It was moved to {target.relative_to(self.root.parent)} and nothing was deleted."
        )
        self._append(note)
        log.warning("moved an unreadable file to quarantine (reason: %s)", reason)
        return note

    def notes(self) -> list[str]:
        try:
            data = json.loads((self.root / NOTES_FILE).read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            return ["The list of files moved aside could not be read; the files are still there."]
        return [str(item) for item in data] if isinstance(data, list) else []

    def _append(self, note: str) -> None:
        notes = [n for n in self.notes() if not n.startswith("The list of files")]
        notes.append(note)
        atomic_write(self.root / NOTES_FILE, json.dumps(notes, indent=1).encode("utf-8"))
