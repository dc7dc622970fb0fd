"""Forms in progress survive a lock: nothing typed is lost when the app locks itself.

A form that is open registers a snapshot function (`Drafts.keep`). Just before the
app locks (idle, leaving the app, a call from the safety screen), every open form's
snapshot is written to the encrypted store; after the PIN the form reads it back
(`Drafts.resume`) and goes on where it was. Saving or cancelling the form ends the
draft (`Drafts.finish`). Drafts live only in the encrypted settings, never in a
plain file. Snapshots are plain JSON values (dicts of str, numbers, lists, None).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iop_companion.store import Store, StoreError

DRAFT_PREFIX = "draft."
# Which form was on top when the app locked, so the shell can reopen it after the PIN.
OPEN_PAGES_KEY = "draft.open_pages"

log = logging.getLogger(__name__)

Snapshot = Callable[[], Any]


def _key(form: str) -> str:
    return f"{DRAFT_PREFIX}{form}"


@dataclass
class Drafts:
    """Per app session. `store` gives the unlocked store, or None while locked."""

    store: Callable[[], Store | None]
    _open: dict[str, Snapshot] = field(default_factory=dict)

    @property
    def has_open_forms(self) -> bool:
        """Whether a form is on screen (or under the page on top) right now."""
        return bool(self._open)

    def keep(self, form: str, snapshot: Snapshot) -> None:
        """While `form` is on screen, `snapshot()` says what it holds right now."""
        self._open[form] = snapshot

    def stop_keeping(self, form: str) -> None:
        """The form left the screen without being finished (its stored draft stays)."""
        self._open.pop(form, None)

    def save_now(self, form: str, value: Any | None = None) -> bool:
        """Write the draft at once (e.g. the moment a safety answer is chosen)."""
        store = self.store()
        if store is None:
            return False
        if value is None:
            snapshot = self._open.get(form)
            if snapshot is None:
                return False
            value = snapshot()
        try:
            store.settings.set(_key(form), value)
        except StoreError as error:
            log.warning("A draft could not be kept: %s", error)
            return False
        return True

    def resume(self, form: str) -> Any | None:
        """The draft kept for `form`, if any (it stays kept until `finish`)."""
        store = self.store()
        if store is None:
            return None
        try:
            return store.settings.get(_key(form))
        except StoreError:
            return None

    def finish(self, form: str) -> None:
        """The form was saved or cancelled: forget its draft."""
        self._open.pop(form, None)
        store = self.store()
        if store is None:
            return
        try:
            store.settings.delete(_key(form))
        except StoreError as error:
            log.warning("A finished draft could not be removed: %s", error)

    def flush(self, store: Store, open_pages: list[str] | None = None) -> None:
        """Just before locking: write every open form's snapshot (and which pages were
        open). Best effort: a failed write must not stop the lock."""
        for form, snapshot in list(self._open.items()):
            try:
                store.settings.set(_key(form), snapshot())
            except Exception as error:  # noqa: BLE001 - locking must go on whatever happens
                log.warning("A draft could not be kept at lock: %s", type(error).__name__)
        if open_pages is not None:
            try:
                store.settings.set(OPEN_PAGES_KEY, list(open_pages))
            except StoreError:
                pass
        self._open.clear()

    def pages_to_reopen(self) -> list[str]:
        """The pages that were open at the last lock (read once, then forgotten)."""
        store = self.store()
        if store is None:
            return []
        try:
            pages = store.settings.get(OPEN_PAGES_KEY)
            store.settings.delete(OPEN_PAGES_KEY)
        except StoreError:
            return []
        return [str(p) for p in pages] if isinstance(pages, list) else []
