"""Practice end to end, in the browser: Today offers one-tap help for a craving or being
overwhelmed; on the Practice tab the participant opens box breathing, chooses 1 minute,
rates distress 7, starts, and sees the phase word change on time ("Breathe in", then
"Hold" 4 seconds later, then "Breathe out"), pauses and resumes, stops early, rates 4
after, and finds the session in their history; after sync the clinic's database and the
clinician's API hold it with both ratings and the time done."""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID
from tests.e2e.conftest import RunningApp, demo_clinician
from tests.e2e.driver import (
    button,
    complete_first_run,
    fill,
    leave_app,
    open_app,
    return_to_app,
    reveal,
    shot,
    tab,
    text,
)

PIN = "482913"

# Records, in the page, each moment the phase word (the live region) changes: a
# MutationObserver sees the accessibility tree change the frame it happens, so the
# times do not depend on how often the test polls.
WATCH_PHASES = """words => {
    window.__phases = [];
    let last = null;
    const seen = () => {
        // The phase word is a text leaf of the accessibility tree (buttons excluded:
        // their names are not phase words, but a word could be shared).
        for (const node of document.querySelectorAll('flt-semantics span, [aria-label]')) {
            if (node.closest('[role="button"]')) continue;
            const label = (node.getAttribute('aria-label') || node.textContent || '').trim();
            if (words.includes(label)) return label;
        }
        return null;
    };
    const check = () => {
        const word = seen();
        if (word && word !== last) {
            last = word;
            window.__phases.push([word, performance.now()]);
        }
    };
    new MutationObserver(check).observe(document.body, {subtree: true, childList: true,
        attributes: true, characterData: true});
    check();
}"""
PHASE_WORDS = ["Breathe in", "Hold", "Breathe out", "Rest"]


def phases(page: Page) -> list[tuple[str, float]]:
    return [(word, at / 1000) for word, at in page.evaluate("window.__phases || []")]


def wait_for_phases(page: Page, count: int, timeout: float = 30) -> list[tuple[str, float]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = phases(page)
        if len(found) >= count:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"saw only {phases(page)}")


def practice_at_clinic(database: Path) -> list[tuple[int, dict[str, Any]]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT kind, version, payload FROM participant_records ORDER BY server_seq"
        ).fetchall()
    return [(version, json.loads(payload)) for kind, version, payload in rows
            if kind.lower() == "practice_session"]


def wait_for_clinic(database: Path, check, timeout: float = 40) -> list[tuple[int, dict]]:
    deadline = time.monotonic() + timeout
    while True:
        found = practice_at_clinic(database)
        if check(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_box_breathing_for_a_minute_stopped_early_reaches_history_and_clinic(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url and demo_app.demo_clinic_database
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)

    # Today: one tap to help in a hard moment.
    expect(reveal(page, button(page, "I'm having a craving"))).to_be_visible()
    expect(button(page, "I feel overwhelmed")).to_be_visible()
    shot(page, screenshots, "practice-0-today")

    # The Practice tab: with no homework to do, the exercises come first (Today says
    # "No practice yet" too, so wait for what only the list shows before the shot).
    tab(page, "Practice").click()
    expect(page.get_by_role("heading", name="Exercises", exact=True)).to_be_visible()
    expect(text(page, "No practice yet this week. Any minute counts.")).to_be_visible()
    shot(page, screenshots, "practice-1-list")
    # Activated as a screen reader does (the card may sit under the tab bar).
    reveal(page, button(page, "Open: Box breathing")).dispatch_event("click")
    expect(text(page, "How to do it")).to_be_visible()
    reveal(page, button(page, "Length: 1 min")).click()
    reveal(page, button(page, "Distress right now 7")).click()
    expect(reveal(page, text(page, "Distress right now: 7"))).to_be_visible()
    shot(page, screenshots, "practice-2-before")

    # Start: the phase word changes on time, and help stays on screen.
    page.evaluate(WATCH_PHASES, PHASE_WORDS)
    reveal(page, button(page, "Start")).click()
    seen = wait_for_phases(page, 3)
    assert [word for word, _ in seen[:3]] == ["Breathe in", "Hold", "Breathe out"]
    for (_, first), (_, second) in itertools.pairwise(seen[:3]):
        assert 3.5 <= second - first <= 4.6, seen  # 4 seconds each, as the pattern says
    expect(button(page, "Get help now")).to_be_visible()
    expect(text(page, "Breathe out")).to_be_visible()
    shot(page, screenshots, "practice-3-pacer")

    # Pause holds the session; resume goes on.
    button(page, "Pause").click()
    expect(text(page, "Paused")).to_be_visible()
    held = len(phases(page))
    page.wait_for_timeout(5000)
    assert len(phases(page)) == held  # nothing moves while paused
    shot(page, screenshots, "practice-4-paused")
    button(page, "Resume").click()
    wait_for_phases(page, held + 1)

    # The phone locks mid-way (the person switched away): nothing of the exercise shows
    # while locked; after the PIN the app opens on Today as always, which offers the
    # paused session, and it goes on from where it was.
    leave_app(page)
    return_to_app(page)
    expect(button(page, "Unlock")).to_be_visible(timeout=30_000)
    expect(text(page, "Box breathing")).to_have_count(0)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    reveal(page, button(page, "Continue: Box breathing")).click()
    expect(text(page, "Paused")).to_be_visible()
    expect(text(page, "Box breathing")).to_be_visible()
    shot(page, screenshots, "practice-4b-back-after-lock")
    held = len(phases(page))
    button(page, "Resume").click()
    wait_for_phases(page, held + 1)

    # Stop early, then rate after.
    button(page, "Stop").click()
    expect(text(page, "You stopped early, and that's okay.")).to_be_visible()
    reveal(page, button(page, "Distress now, after the exercise 4")).click()
    expect(reveal(page, text(page, "Distress went from 7 to 4."))).to_be_visible()
    shot(page, screenshots, "practice-5-after")
    reveal(page, button(page, "Done")).click()

    # The history lists it.
    entry = page.get_by_text("Box breathing ·").or_(page.get_by_label("Box breathing ·",
                                                                      exact=False))
    expect(reveal(page, entry.first)).to_be_visible()
    expect(reveal(page, text(page, "Distress 7, then 4"))).to_be_visible()
    shot(page, screenshots, "practice-6-history")

    # After sync: the clinic holds it (the after-rating as version 2), and the
    # clinician's API shows it.
    found = wait_for_clinic(demo_app.demo_clinic_database,
                            lambda rows: any(v == 2 for v, _ in rows))
    assert [version for version, _ in found] == [1, 2], found
    latest = found[-1][1]
    assert (latest["exercise_id"], latest["planned_minutes"], latest["ended_early"]) == (
        "box-breathing", 1, True)
    assert (latest["rating_before"], latest["rating_after"]) == (7, 4)
    assert 8 <= latest["seconds_completed"] < 60
    signed_in = httpx.post(f"{demo_app.clinic_url}/api/v1/clinician/sessions",
                           json=demo_clinician(demo_app.clinic_url), timeout=10)
    assert signed_in.status_code == 201, signed_in.text
    response = httpx.get(
        f"{demo_app.clinic_url}/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}"
        "/practice-sessions",
        headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"}, timeout=10)
    assert response.status_code == 200, response.text
    [session] = response.json()["practice_sessions"]
    assert (session["rating_before"], session["rating_after"], session["ended_early"]) == (
        7, 4, True)


# Records, in the page, every audio element the Flutter client makes and every play()
# it asks of one, with how the browser answered (the promise resolved, or its error's
# name: "NotAllowedError" is a browser refusing sound before a user gesture).
WATCH_AUDIO = """() => {
    window.__audio = {made: [], plays: []};
    const make = document.createElement.bind(document);
    document.createElement = (name, ...rest) => {
        const element = make(name, ...rest);
        if (String(name).toLowerCase() === 'audio') window.__audio.made.push(element);
        return element;
    };
    const NativeAudio = window.Audio;
    window.Audio = function (...args) {
        const element = new NativeAudio(...args);
        window.__audio.made.push(element);
        return element;
    };
    window.Audio.prototype = NativeAudio.prototype;
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function () {
        const entry = {src: this.currentSrc || this.src, result: 'pending'};
        window.__audio.plays.push(entry);
        const promise = play.call(this);
        promise.then(() => { entry.result = 'played'; },
                     error => { entry.result = error.name; });
        return promise;
    };
}"""


def distinct(seen: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Each change once (two watchers in one page report the same change twice)."""
    return [entry for i, entry in enumerate(seen) if i == 0 or seen[i - 1][0] != entry[0]]


def audio_seen(page: Page) -> dict[str, Any]:
    return page.evaluate("""() => ({
        made: (window.__audio?.made || []).map(e => e.currentSrc || e.src),
        plays: (window.__audio?.plays || []).map(p => ({...p}))})""")


def test_the_soft_bell_is_off_by_default_and_rings_in_the_browser_when_chosen(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    """The web build: the bell's sound is served, the client makes an audio element for
    it, and each play() it asks of the browser (at the start and at each phase change)
    is accepted (headless Chromium has no speakers: "played" means the browser started
    playback, which is what a person's browser does)."""
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    sound_responses: list[int] = []
    page.on("response", lambda response: sound_responses.append(response.status)
            if response.url.endswith("/sounds/soft-bell.wav") else None)
    page.add_init_script(f"({WATCH_AUDIO})()")  # a script, run before the app loads
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, None)

    tab(page, "Practice").click()
    reveal(page, button(page, "Open: Box breathing")).dispatch_event("click")
    bell_switch = page.get_by_role("switch", name="Soft bell at each change")
    expect(reveal(page, bell_switch)).not_to_be_checked()  # off by default
    expect(text(page, "Off: no sound.")).to_be_visible()
    assert audio_seen(page)["made"] == []  # nothing loaded for a bell nobody asked for

    bell_switch.click()
    expect(bell_switch).to_be_checked()
    expect(reveal(page, text(page, "A soft bell sounds at the start, at each change and at "
                                   "the end. Check that your sound is on."))).to_be_visible()
    reveal(page, button(page, "Length: 1 min")).click()
    shot(page, screenshots, "practice-7-bell-on")

    page.evaluate(WATCH_PHASES, PHASE_WORDS)
    reveal(page, button(page, "Start")).click()  # a tap: the gesture browsers want
    seen = wait_for_phases(page, 2)
    assert [word for word, _ in seen[:2]] == ["Breathe in", "Hold"]
    deadline = time.monotonic() + 10
    while len(audio_seen(page)["plays"]) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    audio = audio_seen(page)
    assert any(src.endswith("/sounds/soft-bell.wav") for src in audio["made"]), audio
    assert len(audio["plays"]) >= 2, audio  # the start, and the change to "Hold"
    for played in audio["plays"]:
        assert played["src"].endswith("/sounds/soft-bell.wav"), audio
    page.wait_for_timeout(1500)  # let the browser answer the last play()
    results = {played["result"] for played in audio_seen(page)["plays"]}
    assert results == {"played"}, audio_seen(page)
    assert sound_responses and all(status in (200, 206, 304) for status in sound_responses)
    shot(page, screenshots, "practice-8-bell-running")

    button(page, "Stop").click()
    expect(text(page, "You stopped early, and that's okay.")).to_be_visible()
    reveal(page, button(page, "Done")).click()

    # The choice is kept (in the encrypted store): the next exercise starts with it on.
    reveal(page, button(page, "Open: Box breathing")).dispatch_event("click")
    expect(reveal(page, page.get_by_role("switch", name="Soft bell at each change"))
           ).to_be_checked()

    # A browser that refuses sound: the exercise goes on, silently, on time.
    page.evaluate("""() => { HTMLMediaElement.prototype.play = function () {
        window.__audio.plays.push({src: this.src, result: 'refused'});
        return Promise.reject(new DOMException('no sound here', 'NotAllowedError')); }; }""")
    refused_before = len(audio_seen(page)["plays"])
    page.evaluate(WATCH_PHASES, PHASE_WORDS)  # (the first watcher still reports too)
    reveal(page, button(page, "Start")).click()
    deadline = time.monotonic() + 30
    while len(seen := distinct(phases(page))) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert [word for word, _ in seen[:2]] == ["Breathe in", "Hold"], seen
    assert 3.5 <= seen[1][1] - seen[0][1] <= 4.6, seen
    refused = audio_seen(page)["plays"][refused_before:]
    assert refused and {p["result"] for p in refused} == {"refused"}, refused
    button(page, "Stop").click()
    expect(text(page, "You stopped early, and that's okay.")).to_be_visible()
    assert page_errors == []
    assert not [line for line in demo_app.app.lines if "Traceback" in line], demo_app.app.lines
