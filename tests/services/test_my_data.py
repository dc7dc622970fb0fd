"""A copy of my data: everything I wrote, with the notice, and no secret in any export,
whichever function writes it; "Remove everything" only with the PIN."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.domain.check_in import CheckInDraft
from iop_companion.services.account import Account
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import ClinicLink
from iop_companion.services.family_link import FamilyLink
from iop_companion.services.my_data import (
    RemovalOutcome,
    entries_not_sent,
    export_file,
    remove_everything,
    without_secrets,
)
from iop_companion.store import Preferences, Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.encoded_forms import found_in
from tests.services.conftest import FAST_KDF
from tests.store.store_testing import FakeBootTimer
from tests.sync.sync_testing import ServerClock

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
PIN = "482913"
MARKER = "marker-note-123"


def test_export_keeps_what_i_wrote_and_drops_every_token(vault: Vault) -> None:
    store: Store = vault.create(PIN)
    store.settings.set("clinic.enrolment", {"display_name": "Alex", "device_token": "s3cret-dev"})
    store.settings.set("family.membership", {"family_token": "s3cret-fam"})
    save_check_in(store, CheckInDraft(mood=3, craving=8, sleep_hours="5", sleep_quality="poor",
                                      medications="no", used_since_last=False,
                                      thoughts_of_self_harm=False, note=MARKER))
    for kind in ("json", "html"):
        exported = export_file(store, kind, NOW)
        text = exported.content.decode("utf-8")
        assert MARKER in text
        assert "42 CFR" in text
        assert "s3cret" not in text
        assert exported.file_name.endswith(f"2026-11-22.{kind}")
    data = json.loads(export_file(store, "json", NOW).content)
    assert data["settings"]["clinic.enrolment"] == {"display_name": "Alex"}


def test_without_secrets_walks_nested_lists_and_dicts() -> None:
    assert without_secrets({"a": [{"access_token": 1, "b": 2}], "Token": 3}) == {"a": [{"b": 2}]}


class RecordingClient:
    """The app's clinic client, keeping every credential the clinic hands out."""

    def __init__(self, client: ClinicClient) -> None:
        self._client = client
        self.credentials: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def enrol(self, *args: Any, **kwargs: Any) -> Any:
        result = self._client.enrol(*args, **kwargs)
        self.credentials.update(enrol_access=result.access_token,
                                enrol_refresh=result.refresh_token)
        return result

    def refresh_tokens(self, refresh_token: str) -> Any:
        pair = self._client.refresh_tokens(refresh_token)
        count = len(self.credentials)
        self.credentials.update({f"access_{count}": pair.access_token,
                                 f"refresh_{count}": pair.refresh_token})
        return pair

    def join_family(self, *args: Any, **kwargs: Any) -> Any:
        joined = self._client.join_family(*args, **kwargs)
        self.credentials["family"] = joined.family_token
        return joined


def every_export(store: Store, folder: Path) -> dict[str, bytes]:
    """The bytes of every export the app can write, sealed files both as written and
    opened, and plain ones."""
    out: dict[str, bytes] = {
        "export_json": json.dumps(store.export_json(), ensure_ascii=False).encode("utf-8"),
        "my_data json": export_file(store, "json", NOW).content,
        "my_data html": export_file(store, "html", NOW).content,
    }
    for path in store.export_files(folder / "sealed"):
        out[f"sealed {path.name}"] = path.read_bytes()
        out[f"opened {path.name}"] = store.read_export(path)
    for path in store.export_files(folder / "chosen", encrypted=False):
        out[f"plain {path.name}"] = path.read_bytes()
    return out


def key_material(vault: Vault) -> dict[str, str]:
    """Every text the key file holds: the data key wrapped by the PIN and by the
    recovery code, their salts, the install id."""
    found: dict[str, str] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for number, item in enumerate(value):
                walk(item, f"{path}[{number}]")
        elif isinstance(value, str) and len(value) >= 8:
            found[path] = value

    walk(json.loads((vault.folder / "key.json").read_text("utf-8")), "key.json")
    assert any("wrapped" in path for path in found) and any("salt" in p for p in found), found
    return found


def test_no_export_holds_a_token_a_key_the_pin_or_a_recovery_code(
        tmp_path: Path, vault: Vault, clinic_client: ClinicClient, demo: DemoCredentials,
        server_clock: ServerClock) -> None:
    recording = RecordingClient(clinic_client)
    monotonic = [1000.0]
    link = ClinicLink(recording, clock=server_clock,  # type: ignore[arg-type]
                      monotonic=lambda: monotonic[0])
    store = vault.create(PIN)
    assert link.enrol(store, demo.enrolment_code).ok
    save_check_in(store, CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good",
                                      medications="yes", used_since_last=False,
                                      thoughts_of_self_harm=False, note=MARKER),
                  now=server_clock.now)
    link.sync(store)
    monotonic[0] += 20 * 60  # the access token runs out: a refresh rotates both tokens
    link.sync(store)
    assert any(name.startswith("refresh_") for name in recording.credentials)
    # Secrets a later feature might keep in the store, under any name, must not leak
    # either: a recovery code, the PIN, and a token copied under an innocent name.
    store.settings.set("security.recovery", {"recovery_code": "RCV7-H3K9-QZ2M-XW4T",
                                             "pin": PIN, "pin_hint": "birthday"})
    refresh_now = link.enrolment(store)["refresh_token"]
    store.settings.set("debug.last_request", {"header": f"Bearer {refresh_now}"})

    family_vault = Vault(tmp_path / "family", kdf=FAST_KDF)
    family_store = family_vault.create(PIN)
    assert FamilyLink(recording).join(  # type: ignore[arg-type]
        family_store, demo.family_invite_code, "Sam").ok

    secrets = {**recording.credentials, "pin": PIN, "recovery_code": "RCV7-H3K9-QZ2M-XW4T",
               **{f"participant {k}": v for k, v in key_material(vault).items()},
               **{f"family {k}": v for k, v in key_material(family_vault).items()}}
    assert {"enrol_access", "enrol_refresh", "family"} <= secrets.keys()
    for owner, one_store in (("participant", store), ("family", family_store)):
        exports = every_export(one_store, tmp_path / "exports" / owner)
        assert len(exports) == 9
        leaks = {name: found_in(data, secrets) for name, data in exports.items()}
        assert not any(leaks.values()), (owner, leaks)
    # What the person wrote is all there, and what the enrolment says about them.
    exported = json.loads(export_file(store, "json", NOW).content)
    assert [c["note"] for c in exported["check_ins"]] == [MARKER]
    assert exported["settings"]["clinic.enrolment"]["display_name"] == "Alex"
    assert exported["settings"]["debug.last_request"] == {"header": "Bearer [removed]"}
    assert "pin_hint" not in exported["settings"]["security.recovery"]


# --- "Remove everything" -------------------------------------------------------------------


@pytest.fixture
def account(vault: Vault) -> Account:
    account = Account(vault)
    assert account.create(PIN, PIN) is None
    return account


def test_remove_everything_asks_for_the_pin_first(
        tmp_path: Path, vault: Vault, account: Account) -> None:
    preferences = Preferences(tmp_path)
    preferences.set("role", "participant")
    forms: dict[str, object] = {"check_in": "half typed"}
    assert account.store is not None
    account.store.outbox.enqueue("check_in", "r1", {"x": 1})
    assert entries_not_sent(account.store) == 1

    assert remove_everything(account, preferences, "", forms_in_memory=forms) == \
        RemovalOutcome(False, "pin.error.empty")
    assert remove_everything(account, preferences, "000000", forms_in_memory=forms) == \
        RemovalOutcome(False, "lock.error.wrong_pin")
    # Nothing went: the data, the preferences and the half-typed form are all there.
    assert vault.is_set_up() and account.store is not None
    assert entries_not_sent(account.store) == 1
    assert preferences.get("role") == "participant" and forms

    assert remove_everything(account, preferences, PIN, forms_in_memory=forms) == \
        RemovalOutcome(True)
    assert not vault.is_set_up() and account.store is None
    assert preferences.get("role") is None and forms == {}
    assert entries_not_sent(account.store) == 0
    assert not any(path.is_file() for path in vault.data_dir.rglob("*"))


def test_wrong_pins_before_remove_count_like_wrong_unlocks(tmp_path: Path) -> None:
    boot = FakeBootTimer()  # the clock the waits between wrong PINs are measured on
    vault = Vault(tmp_path / "store", kdf=FAST_KDF, timer=boot)
    account = Account(vault)
    assert account.create(PIN, PIN) is None
    preferences = Preferences(tmp_path)
    account.set_wipe_after(10)  # the person chose: erase everything after 10 wrong PINs
    outcomes = []
    for _ in range(9):
        outcomes.append(remove_everything(account, preferences, "000000"))
        boot.advance(24 * 3600)  # past any wait, so that each PIN is really tried
    assert set(outcomes) == {RemovalOutcome(False, "lock.error.wrong_pin")}
    assert vault.is_set_up()
    outcomes.append(remove_everything(account, preferences, "000000"))
    # The tenth wrong PIN set off the wipe the person chose: nothing is left either way.
    assert outcomes[9] == RemovalOutcome(True, "pin.wiped")
    assert not vault.is_set_up() and account.store is None
