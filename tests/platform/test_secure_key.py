"""The phone's secure storage as a layer on the data key, with a fake SecureStorage.

No real Keystore or Keychain runs here: these tests check our side of the contract
(what is stored, when, and how the vault uses it); the phone side needs a device.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import flet as ft
import pytest

from iop_companion.platform.secure_key import (
    LAYER_NAME,
    SECRET_NAME,
    DeviceKeyLink,
    SecureStorageKeyWrapper,
    load_or_create_secret,
    uses_secure_storage,
)
from iop_companion.store import KdfParams, KeyUnwrapError, KeyWrapper, StoreCorrupt, Vault
from tests.store.store_testing import FakeBootTimer, check_in

PIN = "482913"
NEW_PIN = "573918"
LOW_KDF = KdfParams(n=2**4)


class FakeSecureStorage:
    """The async get/set/remove of flet_secure_storage.SecureStorage, in a dict."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})
        self.broken = False
        self.calls: list[str] = []

    async def get(self, key: str) -> str | None:
        self.calls.append("get")
        if self.broken:
            raise RuntimeError("PlatformException: keystore unavailable")
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        self.calls.append("set")
        if self.broken:
            raise RuntimeError("PlatformException: keystore unavailable")
        self.values[key] = value

    async def remove(self, key: str) -> None:
        self.calls.append("remove")
        self.values.pop(key, None)


class Scheduled:
    """Stands in for page.run_task: keeps the coroutine functions to run them later."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], Awaitable[None]]] = []

    def __call__(self, handler: Callable[[], Awaitable[None]]) -> None:
        self.pending.append(handler)

    def run_all(self) -> None:
        while self.pending:
            asyncio.run(self.pending.pop(0)())


def phone(data_dir: Path, storage: FakeSecureStorage) -> tuple[Vault, DeviceKeyLink, Scheduled]:
    """One start of the phone app: a vault, and the session's link attached."""
    vault = Vault(data_dir, kdf=LOW_KDF, timer=FakeBootTimer())
    scheduled = Scheduled()
    link = DeviceKeyLink(storage, vault, scheduled)
    assert asyncio.run(link.start())
    return vault, link, scheduled


def layers(data_dir: Path) -> list[str]:
    return json.loads((data_dir / "vault" / "key.json").read_text())["layers"]


def test_only_android_and_ios_builds_use_it() -> None:
    assert uses_secure_storage(ft.PagePlatform.ANDROID, web=False)
    assert uses_secure_storage(ft.PagePlatform.IOS, web=False)
    assert uses_secure_storage("android", web=False)
    assert not uses_secure_storage(ft.PagePlatform.ANDROID, web=True)  # a phone's browser
    assert not uses_secure_storage(ft.PagePlatform.IOS, web=True)
    for desktop in (ft.PagePlatform.LINUX, ft.PagePlatform.MACOS, ft.PagePlatform.WINDOWS):
        assert not uses_secure_storage(desktop, web=False)
    assert not uses_secure_storage(None, web=False)


def test_the_wrapper_is_aes_gcm_bound_to_its_context() -> None:
    wrapper = SecureStorageKeyWrapper(bytes(range(32)))
    assert isinstance(wrapper, KeyWrapper) and wrapper.name == LAYER_NAME
    blob = wrapper.wrap(b"pin-wrapped key", b"context-a")
    assert b"pin-wrapped key" not in blob
    assert wrapper.wrap(b"pin-wrapped key", b"context-a") != blob  # a fresh nonce
    assert wrapper.unwrap(blob, b"context-a") == b"pin-wrapped key"
    with pytest.raises(KeyUnwrapError):
        wrapper.unwrap(blob, b"context-b")
    with pytest.raises(KeyUnwrapError):
        SecureStorageKeyWrapper(bytes(32)).unwrap(blob, b"context-a")  # another secret
    with pytest.raises(KeyUnwrapError):
        wrapper.unwrap(b"short", b"context-a")
    wrapper.destroy()
    assert wrapper.destroyed
    with pytest.raises(KeyUnwrapError):
        wrapper.unwrap(blob, b"context-a")
    with pytest.raises(ValueError):
        SecureStorageKeyWrapper(b"too short")


def test_the_secret_is_made_once_kept_and_read_back() -> None:
    storage = FakeSecureStorage()
    first = asyncio.run(load_or_create_secret(storage))
    assert len(first) == 32
    assert base64.b64decode(storage.values[SECRET_NAME]) == first
    assert storage.calls == ["get", "set", "get"]  # read back before it is used
    assert asyncio.run(load_or_create_secret(storage)) == first
    storage.values[SECRET_NAME] = "not base64!"  # unreadable: it cannot open anything
    replaced = asyncio.run(load_or_create_secret(storage))
    assert replaced != first and base64.b64decode(storage.values[SECRET_NAME]) == replaced


def test_a_phone_install_needs_the_phone_and_survives_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    storage = FakeSecureStorage()
    vault, _, _ = phone(data_dir, storage)
    store, code = vault.set_up(PIN)
    record = store.check_ins.add(check_in())
    store.lock()
    assert layers(data_dir) == ["pin", LAYER_NAME]

    # The data folder copied to another machine: neither the PIN nor the code opens it.
    copied = Vault(data_dir, kdf=LOW_KDF, timer=FakeBootTimer())
    with pytest.raises(StoreCorrupt):
        copied.unlock(PIN)
    with pytest.raises(StoreCorrupt):
        copied.recover(code, NEW_PIN)
    assert copied.attempts_state()[0] == 0  # not counted: not the person's fault

    # The next start of the app on the phone: the same secret, the same data.
    again, _, _ = phone(data_dir, storage)
    assert again.unlock(PIN).check_ins.get(record["id"]) == record
    again.unlock(PIN).lock()
    store, _ = again.recover(code, NEW_PIN)
    assert store.check_ins.get(record["id"]) == record
    store.lock()
    assert layers(data_dir) == ["pin", LAYER_NAME]

    # The phone's secure storage was reset: nothing opens, nothing is deleted.
    reset, _, _ = phone(data_dir, FakeSecureStorage())
    with pytest.raises(StoreCorrupt, match="no longer available"):
        reset.unlock(NEW_PIN)
    assert (data_dir / "vault" / "key.json").exists()


def test_an_install_without_the_layer_gains_it_at_the_next_unlock(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    before = Vault(data_dir, kdf=LOW_KDF, timer=FakeBootTimer())  # e.g. set up earlier
    store, code = before.set_up(PIN)
    record = store.check_ins.add(check_in())
    store.lock()
    assert layers(data_dir) == ["pin"]
    storage = FakeSecureStorage()
    vault, _, _ = phone(data_dir, storage)
    vault.unlock(PIN).lock()
    assert layers(data_dir) == ["pin", LAYER_NAME]
    with pytest.raises(StoreCorrupt):
        Vault(data_dir, kdf=LOW_KDF, timer=FakeBootTimer()).unlock(PIN)  # a copy: no
    store, _ = vault.recover(code, NEW_PIN)  # the recovery slot gained the layer too
    assert store.check_ins.get(record["id"]) == record


def test_unreachable_secure_storage_attaches_nothing_and_changes_nothing(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    storage = FakeSecureStorage()
    storage.broken = True
    vault = Vault(data_dir, kdf=LOW_KDF, timer=FakeBootTimer())
    link = DeviceKeyLink(storage, vault, Scheduled())
    assert not asyncio.run(link.start())
    assert vault.platform_key is None and link.wrapper is None
    assert storage.values == {}
    vault.create(PIN).lock()  # goes without the layer until a later start
    assert layers(data_dir) == ["pin"]


class SilentStorage(FakeSecureStorage):
    """A phone that never answers (Flet would wait for ever)."""

    async def get(self, key: str) -> str | None:
        await asyncio.sleep(3600)
        return None


def test_a_phone_that_never_answers_does_not_hang_the_start(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "data", kdf=LOW_KDF, timer=FakeBootTimer())
    link = DeviceKeyLink(SilentStorage(), vault, Scheduled(), timeout_s=0.05)
    assert not asyncio.run(link.start())
    assert vault.platform_key is None


def test_removal_deletes_the_secret_and_a_new_set_up_gets_a_new_one(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    storage = FakeSecureStorage()
    vault, link, scheduled = phone(data_dir, storage)
    old_wrapper = link.wrapper
    store, _ = vault.set_up(PIN)
    store.check_ins.add(check_in())
    old_secret = storage.values[SECRET_NAME]
    vault.remove_from_device()
    assert old_wrapper is not None and old_wrapper.destroyed  # forgotten at once
    assert vault.platform_key is None
    assert [p for p in data_dir.rglob("*") if p.is_file()] == []
    assert len(scheduled.pending) == 1  # the stored secret goes on the event loop
    scheduled.run_all()
    assert "remove" in storage.calls
    assert storage.values[SECRET_NAME] != old_secret
    assert vault.platform_key is link.wrapper is not None
    vault.set_up(NEW_PIN)[0].lock()
    assert layers(data_dir) == ["pin", LAYER_NAME]
    again, _, _ = phone(data_dir, storage)
    again.unlock(NEW_PIN).lock()


def test_the_web_build_and_the_desktop_attach_nothing(tmp_path: Path) -> None:
    from iop_companion.bootstrap import AppFactory
    from iop_companion.paths import app_paths

    factory = AppFactory(app_paths(str(tmp_path / "data")), None)
    for page in (SimpleNamespace(platform=ft.PagePlatform.ANDROID, web=True),
                 SimpleNamespace(platform=ft.PagePlatform.LINUX, web=False)):
        asyncio.run(factory.attach_platform_key(page))
        assert factory.device_key is None and factory.vault.platform_key is None
