"""Errors the screens catch. Screens never import `store` or `sync` types: services turn
what went wrong below them into one of these, whose message is safe to show and log."""

from __future__ import annotations

from iop_companion.store import StoreError


class ServiceError(Exception):
    """Base class. ``str(error)`` is safe to show to the person and to write to a log."""


class SaveFailed(ServiceError):
    """The phone did not keep what was typed; nothing saved before was lost, and the
    form keeps what the person entered."""

    @classmethod
    def from_store(cls, error: StoreError) -> SaveFailed:
        return cls(str(error))
