"""Unlock never tells the PIN rules; older PINs keep working; the recovery code (a
second wrapping of the data key); the optional wipe after wrong tries in a row."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from iop_companion.domain.pin import normalise_recovery_code
from iop_companion.store import (
    LockedOut,
    NoRecoveryCode,
    PinDelay,
    StoreCorrupt,
    StoreLocked,
    ValidationError,
    Vault,
    Wiped,
    WrongPin,
    WrongRecoveryCode,
)
from iop_companion.store import vault as vault_module
from iop_companion.store.crypto import DataKeys, PinWrapper, b64e
from iop_companion.store.errors import StoreError
from tests.store.store_testing import LOW_KDF, PIN, FakeBootTimer, check_in

NEW_PIN = "573918"
WRONG = "000000"


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def wait_out(vault: Vault, boot: FakeBootTimer) -> None:
    boot.advance(vault.attempts_state()[1])


# ------------------------------------------------------------------ unlock and rules

@pytest.mark.parametrize("typed", [
    "", "1", "12", "1234", "2580", "123456", "abc", "x" * 500, "\n", "12\n34",
    "\u0661\u0662\u0663\u0664\u0665\u0666", "Password 123",
])
def test_unlock_answers_any_input_with_a_wrong_pin_never_a_rule(
    make_vault: Callable[..., Vault], typed: str
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    with pytest.raises(WrongPin) as error:
        vault.unlock(typed)
    assert not isinstance(error.value, ValidationError)
    assert error.value.attempts_left == 9  # counted like any wrong PIN
    assert vault.attempts_state()[0] == 1
    assert "digit" not in str(error.value) and "character" not in str(error.value)


def test_a_confirm_or_change_with_an_odd_old_pin_is_just_wrong(
    make_vault: Callable[..., Vault], boot: FakeBootTimer
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    for odd in ("12", "abc"):
        with pytest.raises(WrongPin):
            vault.verify_pin(odd)
        with pytest.raises(WrongPin):
            vault.change_pin(odd, NEW_PIN)
    assert vault.attempts_state()[0] == 4
    wait_out(vault, boot)
    vault.verify_pin(PIN)
    assert vault.attempts_state() == (0, 0.0)


def legacy_install(data_dir: Path, pin: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A format-1 key file as an older version wrote it, PIN of any length, with one
    check-in in the store. Returns the check-in's id."""
    captured: dict[str, bytes] = {}
    real_generate = DataKeys.generate

    def generate() -> tuple[DataKeys, bytes]:
        keys, data_key = real_generate()
        captured["data_key"] = data_key
        return keys, data_key

    monkeypatch.setattr(DataKeys, "generate", staticmethod(generate))
    vault = Vault(data_dir, kdf=LOW_KDF, timer=FakeBootTimer())
    store = vault.create("999999-only-for-setup")
    record = store.check_ins.add(check_in())
    store.lock()
    monkeypatch.setattr(DataKeys, "generate", staticmethod(real_generate))
    key_path = data_dir / "vault" / "key.json"
    doc = json.loads(key_path.read_text())
    install_id = bytes.fromhex(doc["install_id"])
    salt = os.urandom(16)
    wrapped = PinWrapper(pin, salt, LOW_KDF).wrap(
        captured["data_key"], b"iop-companion/key/v1|" + install_id
    )
    key_path.write_text(json.dumps({
        "format": 1,
        "install_id": doc["install_id"],
        "kdf": LOW_KDF.to_json(salt),
        "wrapped_key": b64e(wrapped),
        "layers": ["pin"],
    }))
    return str(record["id"])


def test_a_format_1_install_with_a_short_pin_still_opens(
    make_vault: Callable[..., Vault], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_id = legacy_install(data_dir, "2580", monkeypatch)
    vault = make_vault()
    assert not vault.has_recovery_code()
    with pytest.raises(NoRecoveryCode):
        vault.recover("ABCD-EFGH-JKLM-NPQR-STUV", NEW_PIN)
    assert vault.attempts_state()[0] == 0  # nothing to guess: not counted
    store = vault.unlock("2580")
    assert store.check_ins.get(record_id)["id"] == record_id
    store.lock()
    with pytest.raises(ValidationError):
        vault.change_pin("2580", "2468")  # a new PIN must follow today's rule
    vault.change_pin("2580", NEW_PIN)
    assert json.loads((data_dir / "vault" / "key.json").read_text())["format"] == 2
    code = vault.new_recovery_code(NEW_PIN)  # Settings can add a recovery code
    assert vault.has_recovery_code()
    store, _ = vault.recover(code, PIN)
    assert store.check_ins.get(record_id)["id"] == record_id


# ---------------------------------------------------------------------- recovery

def test_the_set_up_code_replaces_a_forgotten_pin_and_is_then_spent(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    store, code = vault.set_up(PIN)
    assert normalise_recovery_code(code) is not None and len(code) == 24
    record = store.check_ins.add(check_in())
    store.lock()
    key_text = (data_dir / "vault" / "key.json").read_text()
    assert code not in key_text and normalise_recovery_code(code) not in key_text
    doc = json.loads(key_text)
    assert doc["format"] == 2 and doc["recovery"]["kdf"]["salt"] != doc["kdf"]["salt"]
    assert vault.has_recovery_code()

    typed = code.lower().replace("-", " ")  # as a person may type it from paper
    store, new_code = vault.recover(typed, NEW_PIN)
    assert store.check_ins.get(record["id"]) == record
    assert new_code != code and normalise_recovery_code(new_code) is not None
    store.lock()
    with pytest.raises(WrongPin):
        vault.unlock(PIN)  # the forgotten PIN is replaced
    with pytest.raises(WrongRecoveryCode):
        vault.recover(code, PIN)  # the old code is spent
    vault.unlock(NEW_PIN).lock()
    store, newest = vault.recover(new_code, PIN)
    assert store.check_ins.get(record["id"]) == record
    assert newest not in (code, new_code)


def test_wrong_codes_count_with_pins_on_one_counter_with_the_same_delays(
    make_vault: Callable[..., Vault], boot: FakeBootTimer
) -> None:
    vault = make_vault()
    store, code = vault.set_up(PIN)
    store.lock()
    wrong_code = "ABCD-EFGH-JKLM-NPQR-STUV"
    with pytest.raises(WrongRecoveryCode) as error:
        vault.recover(wrong_code, NEW_PIN)
    assert (error.value.attempts_left, error.value.retry_after_s) == (9, 0)
    assert "recovery code is not right" in str(error.value)
    with pytest.raises(WrongPin):
        vault.unlock(WRONG)
    with pytest.raises(WrongRecoveryCode):
        vault.recover("not even a code", NEW_PIN)  # counted too: no different answer
    with pytest.raises(WrongRecoveryCode) as error:
        vault.recover(wrong_code, NEW_PIN)
    assert (error.value.attempts_left, error.value.retry_after_s) == (6, 1.0)
    with pytest.raises(PinDelay):
        vault.recover(code, NEW_PIN)  # even the right code waits
    assert vault.attempts_state() == (4, 1.0)
    with pytest.raises(ValidationError):
        vault.recover(code, "123456")  # the new PIN is checked first: not a try
    assert vault.attempts_state()[0] == 4
    for _ in range(5):
        wait_out(vault, boot)
        with pytest.raises(WrongRecoveryCode):
            vault.recover(wrong_code, NEW_PIN)
    wait_out(vault, boot)
    with pytest.raises(LockedOut):
        vault.recover(wrong_code, NEW_PIN)  # the 10th wrong try, whichever kind
    with pytest.raises(LockedOut):
        vault.unlock(PIN)
    wait_out(vault, boot)
    vault.recover(code, NEW_PIN)[0].lock()
    assert vault.attempts_state() == (0, 0.0)


def test_changing_the_pin_keeps_the_recovery_code(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    store, code = vault.set_up(PIN)
    vault.change_pin(PIN, NEW_PIN)
    store.lock()
    vault.recover(code, PIN)[0].lock()


def test_a_new_recovery_code_stops_the_old_one(
    make_vault: Callable[..., Vault], boot: FakeBootTimer
) -> None:
    vault = make_vault()
    store, old = vault.set_up(PIN)
    new = vault.new_recovery_code(PIN)  # from Settings, while open
    store.lock()
    assert new != old
    with pytest.raises(WrongRecoveryCode):
        vault.recover(old, NEW_PIN)
    with pytest.raises(WrongPin):
        vault.new_recovery_code(WRONG)  # the PIN is checked, and counted
    assert vault.attempts_state()[0] == 2
    vault.recover(new, NEW_PIN)[0].lock()


def test_a_failed_rewrap_leaves_the_old_pin_and_code_working(
    make_vault: Callable[..., Vault], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault()
    store, code = vault.set_up(PIN)
    record = store.check_ins.add(check_in())
    store.lock()
    real_write = vault_module.atomic_write

    def dies_before_the_rename(path: Path, data: bytes) -> None:
        if path.name == "key.json":
            raise OSError("killed")  # atomic_write never leaves a half-written file
        real_write(path, data)

    monkeypatch.setattr(vault_module, "atomic_write", dies_before_the_rename)
    with pytest.raises(OSError):
        vault.recover(code, NEW_PIN)
    with pytest.raises(OSError):
        vault.change_pin(PIN, NEW_PIN)
    monkeypatch.setattr(vault_module, "atomic_write", real_write)
    with pytest.raises(WrongPin):
        vault.unlock(NEW_PIN)
    assert vault.unlock(PIN).check_ins.get(record["id"]) == record
    vault.unlock(PIN).lock()
    store, _ = vault.recover(code, NEW_PIN)  # the code was not spent by the failure
    store.lock()


def test_sigkill_during_recovery_leaves_exactly_one_working_pin(
    crash_harness, tmp_path: Path
) -> None:
    """Killed at random moments while recovering again and again: after each kill,
    exactly one of the two PINs opens the store, and the code that goes with it."""
    import random

    pins = ("482913", "573918")
    data_dir = tmp_path / "store"
    vault = Vault(data_dir, kdf=crash_harness.LOW_KDF)
    store, code = vault.set_up(pins[0])
    record = store.check_ins.add(check_in())
    store.lock()
    rng = random.Random(11)
    current = pins[0]
    recovered = 0
    for kill in range(60):  # at least 15 kills, and until 10 recoveries were acknowledged
        if kill >= 15 and recovered >= 10:
            break

        def body(emit: Callable[[str], None], start: str = current, first: str = code) -> None:
            child = Vault(data_dir, kdf=crash_harness.LOW_KDF)
            pin, typed = start, first
            emit("R")
            while True:
                new = pins[1] if pin == pins[0] else pins[0]
                opened, typed = child.recover(typed, new)
                opened.lock()
                emit(f"P {new} {typed}")
                pin = new

        pid, read_fd = crash_harness.fork_child(body)
        lines = crash_harness.kill_later(pid, read_fd, rng.uniform(0, 0.12), after_ready=True)
        assert not [line for line in lines if line.startswith("E ")]
        acked = [line.split()[1:] for line in lines if line.startswith("P ")]
        recovered += len(acked)
        if acked:
            current, code = acked[-1]
        other = pins[1] if current == pins[0] else pins[0]
        working = []
        for pin in (current, other):
            try:
                opened = Vault(data_dir, kdf=crash_harness.LOW_KDF).unlock(pin)
            except (WrongPin, PinDelay):
                continue
            working.append(pin)
            assert opened.check_ins.get(record["id"]) == record
            opened.lock()
        assert len(working) == 1  # never both, never neither
        if working[0] != current:  # the kill landed after the write, before the line
            current = working[0]
            code = Vault(data_dir, kdf=crash_harness.LOW_KDF).new_recovery_code(current)
    assert recovered >= 10  # the children really were recovering when killed


# ----------------------------------------------------------------------- the wipe

def test_the_wipe_is_off_by_default_and_only_set_while_open(
    make_vault: Callable[..., Vault], boot: FakeBootTimer, data_dir: Path
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    assert vault.wipe_after() is None
    for bad in (0, 5, 9, 11, 21, True, "10"):
        with pytest.raises(ValidationError):
            vault.set_wipe_after(bad)  # type: ignore[arg-type]
    vault.set_wipe_after(15)
    assert make_vault().wipe_after() == 15  # kept in the vault folder: read before unlock
    store.lock()
    with pytest.raises(StoreLocked):
        vault.set_wipe_after(None)  # someone holding the locked phone cannot change it
    for _ in range(20):
        wait_out(vault, boot)
        try:
            vault.unlock(WRONG)
        except Wiped:
            break
        except StoreError:
            pass
    assert not vault.is_set_up()
    store = vault.create(PIN)  # set up again: the choice went with everything else
    assert vault.wipe_after() is None
    vault.set_wipe_after(20)
    vault.set_wipe_after(None)
    assert vault.wipe_after() is None and not (data_dir / "vault" / "wipe.json").exists()
    store.lock()


def test_twenty_wrong_pins_without_the_wipe_keep_the_data(
    make_vault: Callable[..., Vault], boot: FakeBootTimer
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    record = store.check_ins.add(check_in())
    store.lock()
    for _ in range(20):
        wait_out(vault, boot)
        with pytest.raises((WrongPin, LockedOut)):
            vault.unlock(WRONG)
    wait_out(vault, boot)
    assert vault.unlock(PIN).check_ins.get(record["id"]) == record


@pytest.mark.parametrize("count", [10, 15, 20])
def test_the_chosen_count_of_wrong_tries_erases_everything(
    make_vault: Callable[..., Vault], boot: FakeBootTimer, data_dir: Path, count: int
) -> None:
    platform = FakePlatformKey()
    vault = make_vault(key_wrapper=platform)
    store, code = vault.set_up(PIN)
    store.check_ins.add(check_in())
    store.export_files(vault.exports_dir)
    vault.set_wipe_after(count)
    store.lock()
    for failed in range(1, count):
        wait_out(vault, boot)
        wrong = (lambda: vault.recover("ABCD-EFGH-JKLM-NPQR-STUV", NEW_PIN)) if failed % 2 \
            else (lambda: vault.unlock(WRONG))  # codes and PINs both count
        with pytest.raises((WrongPin, LockedOut)) as error:
            wrong()
        assert error.value.attempts_left == count - failed  # tries left before the wipe
    assert vault.is_set_up() and files_under(data_dir / "data")
    wait_out(vault, boot)
    with pytest.raises(Wiped):
        vault.unlock(WRONG)
    assert not vault.is_set_up()
    assert files_under(data_dir) == []
    assert platform.destroyed
    with pytest.raises(Exception):  # noqa: B017 - nothing left for the code to open
        vault.recover(code, NEW_PIN)


def test_wrong_pins_typed_while_open_count_towards_the_wipe(
    make_vault: Callable[..., Vault], boot: FakeBootTimer, data_dir: Path
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    vault.set_wipe_after(10)
    for _ in range(9):
        wait_out(vault, boot)
        with pytest.raises(WrongPin):
            vault.verify_pin(WRONG)  # e.g. before "Remove everything"
    wait_out(vault, boot)
    with pytest.raises(Wiped):
        vault.verify_pin(WRONG)
    with pytest.raises(StoreLocked):
        store.check_ins.count()  # the open store was closed first
    assert files_under(data_dir) == []


def test_a_damaged_wipe_setting_reads_as_off(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    for text in ("{", '{"after": 3}', '{"after": "10"}', "[]"):
        (data_dir / "vault" / "wipe.json").write_text(text)
        assert vault.wipe_after() is None


# --------------------------------------------------------------------- removal

class FakePlatformKey:
    """A stand-in for a Keystore/Keychain key (the KeyWrapper seam)."""

    name = "test-keystore"

    def __init__(self) -> None:
        self.destroyed = False

    def wrap(self, blob: bytes, context: bytes) -> bytes:
        return b"W" + bytes(b ^ 0x5A for b in blob)

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        if self.destroyed or not blob.startswith(b"W"):
            from iop_companion.store import KeyUnwrapError

            raise KeyUnwrapError()
        return bytes(b ^ 0x5A for b in blob[1:])

    def destroy(self) -> None:
        self.destroyed = True


def test_the_platform_key_wraps_both_slots(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    platform = FakePlatformKey()
    vault = make_vault(key_wrapper=platform)
    store, code = vault.set_up(PIN)
    store.lock()
    assert json.loads((data_dir / "vault" / "key.json").read_text())["layers"] == [
        "pin", "test-keystore"]
    copied = make_vault()  # the same files without the phone's key
    with pytest.raises(StoreCorrupt, match="secure storage"):
        copied.recover(code, NEW_PIN)
    with pytest.raises(StoreCorrupt, match="secure storage"):
        copied.unlock(PIN)
    assert copied.attempts_state()[0] == 0
    vault.recover(code, NEW_PIN)[0].lock()


def test_removal_destroys_both_slots_and_every_file(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    platform = FakePlatformKey()
    vault = make_vault(key_wrapper=platform)
    store, code = vault.set_up(PIN)
    store.check_ins.add(check_in())
    vault.set_wipe_after(20)
    (data_dir / "vault" / "key.json.0badf00d.tmp").write_text("an old key")
    key_before = (data_dir / "vault" / "key.json").read_bytes()
    vault.remove_from_device()
    assert files_under(data_dir) == []
    assert platform.destroyed and vault.platform_key is None
    assert not vault.has_recovery_code()
    assert vault.wipe_after() is None
    vault.set_up(NEW_PIN)[0].lock()  # set up again, without the destroyed platform key
    assert (data_dir / "vault" / "key.json").read_bytes() != key_before
    with pytest.raises(WrongRecoveryCode):
        vault.recover(code, PIN)  # the old code means nothing to the new install
