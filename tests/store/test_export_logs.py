"""The readable copy of My data holds the coping logs, practice sessions and notes (the
person's words, escaped), and leaves out what was deleted."""

from __future__ import annotations

from iop_companion.store import Store
from iop_companion.store.export import render_html

URGE_LOG = {"occurred_at": "2026-11-25T20:15:00-06:00", "intensity": 7,
            "trigger": {"category": "places", "detail": "Drove past <the> old bar"},
            "where": "", "with_whom": "", "skills_used": [], "what_i_did": "Called Ana",
            "used": False, "intensity_after": 3, "lasted_minutes": 20}
NOTE = {"title": "Tuesday", "text": "Group & a long walk", "written_at":
        "2026-11-25T21:00:00-06:00"}


def test_logs_and_notes_are_in_the_readable_copy_and_deleted_ones_are_not(
        store: Store) -> None:
    store.urge_logs.save(URGE_LOG)
    store.journal_notes.save(NOTE)
    gone = store.journal_notes.save({**NOTE, "text": "Removed later"})
    store.journal_notes.save({"id": gone["id"], "deleted": True})

    export = store.export_json()
    assert [n["text"] for n in export["journal_notes"]] == ["Group & a long walk"]
    page = render_html(export)
    assert "<h2>Urge logs</h2>" in page and "Called Ana" in page
    assert "category: places; detail: Drove past &lt;the&gt; old bar" in page
    assert "<h2>Notes (kept on this phone only)</h2>" in page
    assert "Group &amp; a long walk" in page and "Removed later" not in page
