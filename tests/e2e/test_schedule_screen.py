"""The schedule screen in the browser against the demo clinic: the demo schedule by day,
today first; the clinic (through the clinician API, as its portal does) moves one
session, cancels another and gives the telehealth family session a video link; after
"Sync now" the app shows the move (the old time struck through and named in a banner),
the cancellation (struck through, "Cancelled by your clinic") and a "Join video visit"
button; "Add to my calendar" downloads an .ics that parses with `icalendar` and holds
the sessions (neutral "Appointment" entries by default, the moved one with SEQUENCE 1
and its new time, the cancelled one STATUS:CANCELLED), and the real titles when chosen.

Screenshots: test-artifacts/screenshots/schedule-*.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import RunningApp, demo_clinician
from tests.e2e.driver import button, complete_first_run, open_app, reveal, shot, tab, text
from tests.e2e.test_aftercare import sync_now

PIN = "482913"
CLINIC_ZONE = ZoneInfo("America/Chicago")  # the demo clinic's
VIDEO_LINK = "https://video.example.org/cedar-hollow/alex-family"
CANCEL_NOTE = "Cancelled for a staff training day."
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ScheduleClinician:
    """The demo clinician, using the clinic's API as the portal's pages do."""

    def __init__(self, clinic_url: str) -> None:
        signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions",
                               json=demo_clinician(clinic_url), timeout=10)
        assert signed_in.status_code == 201, signed_in.text
        self._headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        self._api = f"{clinic_url}/api/v1/clinician/schedule"

    def coming(self) -> list[dict[str, Any]]:
        """The demo clinic's sessions still on in the next 14 days, soonest first."""
        today = datetime.now(CLINIC_ZONE).date()
        answer = httpx.get(self._api, headers=self._headers, timeout=10, params={
            "from": today.isoformat(), "to": (today + timedelta(days=14)).isoformat()})
        assert answer.status_code == 200, answer.text
        soon = datetime.now(UTC) + timedelta(hours=2)
        return [s for s in answer.json()["sessions"]
                if s["status"] == "scheduled" and datetime.fromisoformat(s["starts_at"]) > soon]

    def latest_past(self) -> dict[str, Any] | None:
        """The demo clinic's last session before today (in the last 14 days), if any."""
        today = datetime.now(CLINIC_ZONE).date()
        answer = httpx.get(self._api, headers=self._headers, timeout=10, params={
            "from": (today - timedelta(days=14)).isoformat(),
            "to": (today - timedelta(days=1)).isoformat()})
        assert answer.status_code == 200, answer.text
        sessions = answer.json()["sessions"]
        return sessions[-1] if sessions else None

    def change(self, session: dict[str, Any], **changes: Any) -> dict[str, Any]:
        body = {name: session[name] for name in ("kind", "title", "starts_at", "ends_at",
                                                  "location", "telehealth", "facilitator",
                                                  "note")}
        body.update(changes)
        answer = httpx.put(f"{self._api}/{session['id']}", headers=self._headers, json=body,
                           timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def cancel(self, session: dict[str, Any], note: str) -> None:
        answer = httpx.post(f"{self._api}/{session['id']}/cancel", headers=self._headers,
                            json={"note": note}, timeout=10)
        assert answer.status_code == 200, answer.text


def short(moment: datetime) -> str:
    """"Tue 5:00 PM" in the clinic's zone, as the app writes a moved session's times."""
    local = moment.astimezone(CLINIC_ZONE)
    hour = local.hour % 12 or 12
    return f"{WEEKDAYS[local.weekday()]} {hour}:{local.minute:02d} " \
           f"{'AM' if local.hour < 12 else 'PM'}"


def into_view(page: Page, target: Locator, *, top: int = 140) -> None:
    """Scroll (the mouse wheel, as a person does) until `target` sits near the top of the
    screen, so a screenshot shows its whole card. Flutter leaves far-off parts of a list
    out of the accessibility tree: while it is missing, scroll down."""
    for _ in range(80):
        box = target.bounding_box() if target.count() else None
        if box is not None and abs(box["y"] - top) < 40:
            page.wait_for_timeout(300)
            return
        page.mouse.move(6, 500)
        page.mouse.wheel(0, 600 if box is None else max(-800, min(800, box["y"] - top)))
        page.wait_for_timeout(250)
    raise AssertionError("never scrolled into view")


def back_to_top(page: Page) -> None:
    page.mouse.move(6, 500)
    page.mouse.wheel(0, -50_000)
    page.wait_for_timeout(400)


def save_calendar(page: Page, folder: Path, name: str) -> Calendar:
    with page.expect_download() as download:
        reveal(page, button(page, "Save calendar file")).click()
    assert download.value.suggested_filename == "appointments.ics"
    saved = folder / name
    download.value.save_as(saved)
    return Calendar.from_ical(saved.read_bytes())


def events(calendar: Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_schedule_by_day_moved_cancelled_join_and_calendar_file(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)

    # The demo schedule, by day, today first.
    tab(page, "Schedule").click()
    expect(text(page, "My program schedule")).to_be_visible()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    expect(text(page, "Times are in your clinic's time zone (America/Chicago).")).to_be_visible()
    expect(reveal(page, text(page, "Process group"))).to_be_visible()
    shot(page, screenshots, "schedule-by-day")

    # The clinic moves one session a day and an hour later, cancels another, and writes
    # the family session's video link as its place.
    clinician = ScheduleClinician(demo_app.clinic_url)
    coming = clinician.coming()
    to_cancel = coming[0]
    to_move = next(s for s in coming[1:] if not s["telehealth"])
    family = next((s for s in coming if s["telehealth"]), None)
    old_start = datetime.fromisoformat(to_move["starts_at"])
    new_start = old_start + timedelta(days=1, hours=1)
    new_end = datetime.fromisoformat(to_move["ends_at"]) + timedelta(days=1, hours=1)
    clinician.change(to_move, starts_at=new_start.isoformat(), ends_at=new_end.isoformat())
    clinician.cancel(to_cancel, CANCEL_NOTE)
    if family is not None:
        clinician.change(family, location=VIDEO_LINK)

    sync_now(page)
    tab(page, "Schedule").click()
    moved_banner = f"Moved: was {short(old_start)}, now {short(new_start)}"
    into_view(page, text(page, moved_banner))
    expect(text(page, moved_banner)).to_be_visible()
    shot(page, screenshots, "schedule-moved")
    back_to_top(page)
    into_view(page, text(page, "Cancelled by your clinic"))
    expect(text(page, CANCEL_NOTE)).to_be_visible()
    shot(page, screenshots, "schedule-cancelled")
    if family is not None:
        back_to_top(page)
        join = page.get_by_role("button", name="Join video visit").or_(
            page.get_by_role("link", name="Join video visit"))
        into_view(page, join, top=400)
        expect(join).to_be_visible()
        shot(page, screenshots, "schedule-join")
        # The phone opens the link itself (here: the browser, in a new tab; this machine
        # has no internet, so a stand-in page answers for the video service).
        page.context.route(f"{VIDEO_LINK}*", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Video visit</title>"))
        with page.context.expect_page() as opened:
            join.first.click()
        opened.value.wait_for_load_state()
        assert opened.value.url == VIDEO_LINK
        opened.value.close()

    # "Add to my calendar": neutral entries by default.
    back_to_top(page)
    reveal(page, button(page, "Add to my calendar")).click()
    expect(text(page, "Add your sessions to your calendar")).to_be_visible()
    expect(page.get_by_role("button", name="Calendar entries: Just “Appointment”")).to_be_visible()
    shot(page, screenshots, "schedule-calendar-choice")
    neutral = events(save_calendar(page, tmp_path, "neutral.ics"))
    expect(text(page, "Saved appointments.ics. Open it with your calendar app.")).to_be_visible()
    moved_uid, cancelled_uid = f"{to_move['id']}@iop-companion", f"{to_cancel['id']}@iop-companion"
    assert moved_uid in neutral and cancelled_uid in neutral
    assert {str(e["SUMMARY"]) for e in neutral.values()} == {"Appointment"}
    assert all("LOCATION" not in e for e in neutral.values())
    moved = neutral[moved_uid]
    assert moved.decoded("DTSTART") == new_start and moved.decoded("DTEND") == new_end
    assert moved["DTSTART"].params["TZID"] == "America/Chicago"
    assert int(moved["SEQUENCE"]) == 1
    assert str(moved["STATUS"]) == "CONFIRMED"
    assert sorted(a.decoded("TRIGGER") for a in moved.walk("VALARM")) == [
        timedelta(minutes=-60), timedelta(minutes=-15)]
    assert str(neutral[cancelled_uid]["STATUS"]) == "CANCELLED"
    # Every coming session is there, the untouched ones with SEQUENCE 0.
    for session in coming:
        uid = f"{session['id']}@iop-companion"
        assert uid in neutral, session["title"]
        if session["id"] not in (to_move["id"], to_cancel["id"]) and (
                family is None or session["id"] != family["id"]):
            assert int(neutral[uid]["SEQUENCE"]) == 0

    # The real titles, when the person chooses them.
    reveal(page, button(page, "Calendar entries: Session names and places")).click()
    expect(text(page, "Each entry will show the session's name, kind, place and who leads it. "
                      "Anyone who can see your calendar can read them.")).to_be_visible()
    shot(page, screenshots, "schedule-calendar-real")
    real = events(save_calendar(page, tmp_path, "real.ics"))
    assert str(real[moved_uid]["SUMMARY"]) == to_move["title"]
    assert set(real) == set(neutral)
    reveal(page, button(page, "Close")).click()
    expect(text(page, "Add your sessions to your calendar")).not_to_be_visible()

    # The last two weeks, on request (the demo clinic's schedule starts a week back).
    back_to_top(page)
    reveal(page, button(page, "Show the last 2 weeks")).click()
    expect(page.get_by_role("heading", name="The last 2 weeks", exact=True)).to_be_visible()
    latest = clinician.latest_past()
    if latest is not None:  # the latest day before today with a session comes first
        day = datetime.fromisoformat(latest["starts_at"]).astimezone(CLINIC_ZONE)
        expect(page.get_by_role("heading", name=day.strftime("%A, %B ") + str(day.day),
                                exact=True)).to_be_visible()
    shot(page, screenshots, "schedule-past")
    reveal(page, button(page, "Hide the last 2 weeks")).click()
    expect(page.get_by_role("heading", name="The last 2 weeks", exact=True)).to_have_count(0)
