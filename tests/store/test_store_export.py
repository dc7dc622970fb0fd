"""Participant rights: export everything (JSON + readable page, with the Part 2 notice)."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from iop_companion.store import Store, StoreError
from iop_companion.store.export import REDISCLOSURE_NOTICE
from tests.store.store_testing import at, check_in


def fill(store: Store) -> None:
    for day in (0, 10, 20):
        store.check_ins.add(check_in(created_at=at(day), note=f"day {day} <b>bold</b> & co"))
    store.safety_plan.save(
        {"warning_signs": ["<script>alert(1)</script>"], "most_important": "Kids"}
    )
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    store.schedule.replace_all(
        [
            {
                "id": "s1",
                "kind": "group",
                "title": "Relapse prevention",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=3)).isoformat(),
            }
        ]
    )
    store.settings.set("reminder.time", "18:00")
    store.outbox.enqueue("check_in", "r1", {"x": 1})


def test_export_json_holds_everything_and_the_notice(store: Store) -> None:
    fill(store)
    export = store.export_json()
    assert export["format"] == "iop-companion-export" and export["format_version"] == 1
    assert export["notice"] == REDISCLOSURE_NOTICE and "42 CFR part 2" in export["notice"]
    assert [c["note"][:6] for c in export["check_ins"]] == ["day 0 ", "day 10", "day 20"]
    assert export["safety_plan"]["most_important"] == "Kids"
    assert export["schedule"][0]["title"] == "Relapse prevention"
    assert export["settings"] == {"reminder.time": "18:00"}
    assert export["unsynced_count"] == 1
    json.dumps(export, allow_nan=False)  # plain JSON


def test_plain_export_files_are_json_and_escaped_html(store: Store, tmp_path: Path) -> None:
    fill(store)
    json_path, html_path = store.export_files(tmp_path / "chosen", encrypted=False)
    assert json_path.suffix == ".json" and html_path.suffix == ".html"
    assert json.loads(json_path.read_text("utf-8"))["check_ins"][0]["note"].startswith("day 0")
    page = html_path.read_text("utf-8")
    assert page.count('class="notice"') == 2  # at the top and at the end
    assert html.escape(REDISCLOSURE_NOTICE) in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page
    assert "Relapse prevention" in page


def test_export_is_encrypted_by_default(store: Store, tmp_path: Path) -> None:
    fill(store)
    paths = store.export_files(tmp_path / "out")
    assert [p.name.endswith((".json.enc", ".html.enc")) for p in paths] == [True, True]
    for path in paths:
        assert b"day 0" not in path.read_bytes() and b"CFR" not in path.read_bytes()
    exported = json.loads(store.read_export(paths[0]))
    assert exported["notice"] == REDISCLOSURE_NOTICE
    assert b"42 CFR part 2" in store.read_export(paths[1])


def test_an_export_from_another_store_does_not_open(store: Store, tmp_path: Path) -> None:
    other = Store.in_memory()
    other.check_ins.add(check_in())
    [path, _] = other.export_files(tmp_path / "other")
    with pytest.raises(StoreError, match="could not be decrypted"):
        store.read_export(path)
