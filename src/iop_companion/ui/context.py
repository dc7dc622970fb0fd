"""What every screen can reach: the app's services and the navigation actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import flet as ft

from iop_companion.services.care_status import care_status
from iop_companion.services.clinic_link import LinkStatus
from iop_companion.services.container import AppServices


@dataclass(frozen=True)
class Navigator:
    """Actions a screen can take on the shell, without knowing how the shell works."""

    open: Callable[[str], None]          # open a full-screen page: "help", "settings", ...
    back: Callable[[], None]             # close the page on top
    go_tab: Callable[[str], None]        # switch bottom tab: "today", "schedule", ...
    data_changed: Callable[[], None]     # re-read what the screens show
    notify: Callable[[str], None]        # a short confirmation at the bottom of the screen
    lock: Callable[[], None]
    after_setup: Callable[[], None]      # first run finished: go to Today
    restart: Callable[[], None]          # everything was removed: back to the welcome screen
    replace: Callable[[str], None]       # swap the page on top for another
    sync_soon: Callable[[], None]        # send what waits in the outbox as soon as possible
    # "Sync now": one real attempt, awaited; None when there was nothing to sync with.
    sync_now: Callable[[], Awaitable[LinkStatus | None]]


ServicesContext: ft.ContextProvider[AppServices | None] = ft.create_context(None)
NavigatorContext: ft.ContextProvider[Navigator | None] = ft.create_context(None)


def use_services() -> AppServices:
    services = ft.use_context(ServicesContext)
    assert services is not None, "ServicesContext is provided by the app shell"
    return services


def use_navigator() -> Navigator:
    navigator = ft.use_context(NavigatorContext)
    assert navigator is not None, "NavigatorContext is provided by the app shell"
    return navigator


def use_care_wording(key: str) -> str:
    """The text of `key`, or of its ".after_care" variant once the participant has been
    discharged: texts that promise the care team will see something must stop saying so."""
    services = use_services()
    store = services.account.store
    discharged = store is not None and care_status(store, services.clock()).discharged
    return services.t(f"{key}.after_care" if discharged else key)
