"""Participant rights: export everything (JSON + readable page, with the Part 2 notice)."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.encoded_forms import found_in
from tests.store.store_testing import at, check_in

from iop_companion.store import Store, StoreError
from iop_companion.store.export import (
    REDISCLOSURE_NOTICE,
    REMOVED,
    is_secret_name,
    without_secrets,
)


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


# --- No secret leaves in an export, whoever asks for it -----------------------------------

REFRESH = "rT0k-9f3a7c1e5b2d8a4f6e0c3b9d7a1f5e2c"
FAMILY = "fAm-2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e1b"
RECOVERY = "RCV7-H3K9-QZ2M-XW4T"


def fill_secrets(store: Store) -> None:
    """What the services keep (a link's refresh token, a family token), and what a later
    feature might (a recovery code, key material, a copy of a token under another name)."""
    store.settings.set("clinic.enrolment", {"display_name": "Alex", "refresh_token": REFRESH,
                                            "program_start": "2026-03-02"})
    store.settings.set("family.membership", {"familyToken": FAMILY, "display_name": "Sam"})
    store.settings.set("security.recovery", {"recovery_code": RECOVERY, "data_key": "a" * 44,
                                             "pin": "482913", "shown": True})
    store.settings.set("debug.copy", [f"Authorization: Bearer {REFRESH}", "kept"])
    store.check_ins.add(check_in(note="Coping: a walk, pinned my plan"))


@pytest.mark.parametrize(("name", "secret"), [
    ("refresh_token", True), ("accessToken", True), ("family-token", True), ("device_token", True),
    ("pin", True), ("old_pin", True), ("wrapped_key", True), ("data_key", True), ("salt", True),
    ("recovery_code", True), ("recoveryPhrase", True), ("invite_code", True),
    ("password", True), ("client_secret", True),
    ("coping_strategies", False), ("pinned", False), ("spinning", False), ("title_key", False),
    ("key", False), ("code", False), ("recovery_plan", False), ("note", False),
    ("reasons_for_recovery", False), ("clinic.enrolment", False),
])
def test_secret_field_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_no_export_path_holds_a_secret(store: Store, tmp_path: Path) -> None:
    fill_secrets(store)
    exported = store.export_json()
    blobs = [json.dumps(exported).encode("utf-8")]
    sealed = store.export_files(tmp_path / "sealed")
    blobs += [path.read_bytes() for path in sealed] + [store.read_export(p) for p in sealed]
    blobs += [path.read_bytes() for path in store.export_files(tmp_path / "plain",
                                                               encrypted=False)]
    secrets = {"refresh": REFRESH, "family": FAMILY, "recovery": RECOVERY, "pin": "482913",
               "key": "a" * 44}
    assert [found_in(blob, secrets) for blob in blobs] == [[]] * len(blobs)
    # What the person wrote, and what is not secret about their links, is all there.
    settings = exported["settings"]
    assert settings["clinic.enrolment"] == {"display_name": "Alex", "program_start": "2026-03-02"}
    assert settings["family.membership"] == {"display_name": "Sam"}
    assert settings["security.recovery"] == {"shown": True}
    assert settings["debug.copy"] == [f"Authorization: Bearer {REMOVED}", "kept"]
    assert exported["check_ins"][0]["note"] == "Coping: a walk, pinned my plan"
    # And the readable page of a plain export still opens the same way.
    assert "Coping: a walk" in store.read_export(sealed[1]).decode("utf-8")


def test_without_secrets_scrubs_a_secret_wherever_it_was_copied() -> None:
    doc = {"link": {"refresh_token": REFRESH}, "notes": [f"token was {REFRESH}!"],
           REFRESH: "a key named after it", "short": {"pin": "12"}, "kept": "12"}
    assert without_secrets(doc) == {"link": {}, "notes": [f"token was {REMOVED}!"],
                                    REMOVED: "a key named after it", "short": {}, "kept": "12"}
    assert without_secrets({"note": "RCV7-H3K9"}, also=["RCV7-H3K9"]) == {"note": REMOVED}
