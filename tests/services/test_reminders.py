"""The check-in reminder service: settings in the store, once a day, no health data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import plyer
import pytest

from iop_companion.domain.check_in import CheckInDraft
from iop_companion.domain.reminders import ReminderSettings
from iop_companion.i18n import Translator
from iop_companion.platform.notifications import Delivery
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.reminders import (
    remind_if_due,
    reminder_settings,
    save_reminder_settings,
)
from iop_companion.store import Store, Vault

ROOT = Path(__file__).resolve().parents[2]
CHICAGO = ZoneInfo("America/Chicago")
AT_7PM = datetime(2026, 11, 22, 19, 0, tzinfo=CHICAGO)
# Check-in answers no reminder may ever repeat.
DRAFT = CheckInDraft(mood=2, craving=9, sleep_hours="3.5", sleep_quality="poor",
                     medications="no", used_since_last=True, substance="oxycodone",
                     thoughts_of_self_harm=False, note="marker-note-9f2c")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def notify(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    found = Recorder()
    monkeypatch.setattr(plyer, "notification", found)
    return found


@pytest.fixture(params=["en", "es"])
def t(request: pytest.FixtureRequest):
    return Translator(ROOT / "assets" / "locales", request.param).t


def test_off_until_turned_on_and_the_setting_is_kept(store: Store, t, recorder) -> None:
    assert reminder_settings(store) == ReminderSettings(enabled=False, at=time(19, 0))
    assert remind_if_due(store, AT_7PM, CHICAGO, t, system_allowed=True) is None
    save_reminder_settings(store, ReminderSettings(enabled=True, at=time(19, 0)))
    assert reminder_settings(store) == ReminderSettings(enabled=True, at=time(19, 0))
    assert remind_if_due(store, AT_7PM, CHICAGO, t, system_allowed=True) is Delivery.SYSTEM
    # Once a day, even when asked again a minute later.
    later = AT_7PM + timedelta(minutes=1)
    assert remind_if_due(store, later, CHICAGO, t, system_allowed=True) is None
    assert remind_if_due(store, AT_7PM + timedelta(days=1), CHICAGO, t,
                         system_allowed=True) is Delivery.SYSTEM
    assert len(recorder.calls) == 2


def test_no_reminder_after_todays_check_in(store: Store, t, recorder) -> None:
    save_reminder_settings(store, ReminderSettings(enabled=True, at=time(19, 0)))
    save_check_in(store, DRAFT)  # stamped now; ask on the same local day as the stamp
    stamped = datetime.fromisoformat(store.check_ins.list_recent(1)[0]["created_at"])
    same_day_evening = datetime.combine(stamped.astimezone(CHICAGO).date(), time(19),
                                        tzinfo=CHICAGO)
    assert remind_if_due(store, same_day_evening, CHICAGO, t, system_allowed=True) is None
    assert recorder.calls == []


def test_the_text_holds_no_health_data(store: Store, t, recorder) -> None:
    save_check_in(store, DRAFT)
    save_reminder_settings(store, ReminderSettings(enabled=True, at=time(19, 0)))
    tomorrow = AT_7PM.replace(year=2027)  # a day without a check-in
    assert remind_if_due(store, tomorrow, CHICAGO, t, system_allowed=True) is Delivery.SYSTEM
    [call] = recorder.calls
    assert call["message"] == t("reminder.text") and call["title"] == t("reminder.title")
    sent = json.dumps(call).lower()
    for private in ("oxycodone", "marker-note", "craving", "mood", "sleep", "phq", "bam",
                    "3.5", "9"):
        assert private not in sent, private


def test_without_a_backend_the_app_shows_its_banner(store: Store, t,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    class NoBackend:
        def notify(self, **_: Any) -> None:
            raise NotImplementedError

    monkeypatch.setattr(plyer, "notification", NoBackend())
    save_reminder_settings(store, ReminderSettings(enabled=True, at=time(8, 30)))
    at = datetime(2026, 11, 22, 8, 45, tzinfo=CHICAGO).astimezone(UTC)
    assert remind_if_due(store, at, CHICAGO, t, system_allowed=True) is Delivery.IN_APP


def test_changing_the_time_may_remind_again_today(store: Store, t, recorder) -> None:
    save_reminder_settings(store, ReminderSettings(enabled=True, at=time(19, 0)))
    assert remind_if_due(store, AT_7PM, CHICAGO, t, system_allowed=False) is Delivery.IN_APP
    save_reminder_settings(store, ReminderSettings(enabled=True, at=time(19, 30)))
    assert remind_if_due(store, AT_7PM + timedelta(minutes=31), CHICAGO, t,
                         system_allowed=False) is Delivery.IN_APP
