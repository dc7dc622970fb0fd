"""A copy of my data: everything I wrote, with the notice, and no credentials."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from iop_companion.domain.check_in import CheckInDraft
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.my_data import export_file, without_secrets
from iop_companion.store import Store, Vault

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def test_export_keeps_what_i_wrote_and_drops_every_token(vault: Vault) -> None:
    store: Store = vault.create("2468")
    store.settings.set("clinic.enrolment", {"display_name": "Alex", "device_token": "s3cret-dev"})
    store.settings.set("family.membership", {"family_token": "s3cret-fam"})
    save_check_in(store, CheckInDraft(mood=3, craving=8, sleep_hours="5", sleep_quality="poor",
                                      medications="no", used_since_last=False,
                                      thoughts_of_self_harm=False, note="marker-note-123"))
    for kind in ("json", "html"):
        exported = export_file(store, kind, NOW)
        text = exported.content.decode("utf-8")
        assert "marker-note-123" in text
        assert "42 CFR" in text
        assert "s3cret" not in text
        assert exported.file_name.endswith(f"2026-11-22.{kind}")
    data = json.loads(export_file(store, "json", NOW).content)
    assert data["settings"]["clinic.enrolment"] == {"display_name": "Alex"}


def test_without_secrets_walks_nested_lists_and_dicts() -> None:
    assert without_secrets({"a": [{"access_token": 1, "b": 2}], "Token": 3}) == {"a": [{"b": 2}]}
