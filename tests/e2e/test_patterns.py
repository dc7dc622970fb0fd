"""My patterns in the browser, against the demo clinic: with only a private note it is one
plain sentence and no chart; after a check-in (mood, craving, a trigger) and an urge log
its charts draw (flet-charts in the prebuilt web client), each a named image under its
sentence, the skills and triggers listed in words; switching to 30 days redraws the
charts and sentences for 30 days.

Entries can only be made "now" (or an hour or two before), so both fall on one day
here; gaps between days and time zones are covered by tests/domain/test_patterns.py."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    complete_first_run,
    fill,
    open_app,
    reveal,
    shot,
    tab,
    text,
)

PIN = "482913"


def chart(page: Page, name: str):
    """A chart, as a screen reader finds it: one image with its name."""
    return page.get_by_role("img", name=name, exact=True)


def scroll_to_the_end(page: Page) -> None:
    """Flutter keeps nodes just off screen in the tree (and "visible" to Playwright):
    scroll as a person would, so the screenshot shows the end of the page."""
    for _ in range(8):
        page.mouse.move(6, 500)
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(150)


def test_patterns_draw_charts_with_their_sentences_for_7_and_30_days(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)

    # 1. Only a private note: the Journal offers the patterns, which have nothing to draw.
    tab(page, "Journal").click()
    reveal(page, button(page, "Note")).click()
    fill(page, "Your note", "First week in the program")
    reveal(page, button(page, "Save note")).click()
    reveal(page, button(page, "See my patterns")).click()
    expect(reveal(page, text(page, "Nothing logged in the last 7 days yet."))).to_be_visible()
    expect(page.get_by_role("img")).to_have_count(0)
    shot(page, screenshots, "patterns-1-empty")
    button(page, "Back").click()

    # 2. A check-in with a trigger typed on the day, then an urge log.
    tab(page, "Today").click()
    reveal(page, button(page, "Check in")).click()
    expect(text(page, "How are you today?")).to_be_visible()
    fill(page, "Hours of sleep last night", "7")
    reveal(page, button(page, "Mood 6")).click()
    reveal(page, button(page, "Craving 4")).click()
    reveal(page, button(page, "Sleep: OK")).click()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    fill(page, "Another trigger today", "Payday")
    reveal(page, button(page, "Add trigger")).click()
    expect(reveal(page, button(page, "Trigger: Payday"))).to_be_visible()
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()

    tab(page, "Journal").click()
    reveal(page, button(page, "Urge log")).click()
    expect(text(page, "Write down an urge or craving")).to_be_visible()
    reveal(page, button(page, "Strength of the urge 7")).click()
    reveal(page, button(page, "Trigger: Places")).click()
    reveal(page, button(page, "Urge surfing: riding the urge out")).click()
    reveal(page, button(page, "Used: No")).click()
    reveal(page, button(page, "Strength afterwards 3")).click()
    reveal(page, button(page, "Save urge log")).click()
    expect(reveal(page, text(page, "Urge 7/10 then 3/10"))).to_be_visible()

    # 3. The last 7 days: each chart is an image named for what it shows, under its
    # sentence; the bar charts' lists say the rest in words.
    reveal(page, button(page, "See my patterns")).click()
    expect(button(page, "Show: Last 7 days")).to_be_visible()
    expect(reveal(page, text(page, "Mood averaged 6.0 over the last 7 days (1 day with an "
                                   "entry)."))).to_be_visible()
    expect(chart(page, "Line chart of mood by day, last 7 days")).to_be_visible()
    expect(reveal(page, text(page, "Craving averaged 4.0 over the last 7 days (1 day with an "
                                   "entry)."))).to_be_visible()
    shot(page, screenshots, "patterns-2-week")
    expect(reveal(page, text(page, "Urge strength averaged 7.0 over the last 7 days (1 day "
                                   "with an entry)."))).to_be_visible()
    expect(reveal(page, chart(page, "Line chart of urge strength by day, last 7 days"))
           ).to_be_visible()
    expect(reveal(page, text(page, "In the last 7 days you logged 1 skill, once."))
           ).to_be_visible()
    expect(reveal(page, chart(page, "Bar chart of the skills used most, last 7 days"))
           ).to_be_visible()
    expect(reveal(page, text(page, "Urge surfing: riding the urge out: used once. Urges fell "
                                   "by 4.0 points on average when you used it."))).to_be_visible()
    shot(page, screenshots, "patterns-3-week-skills")
    expect(reveal(page, text(page, "In the last 7 days, 2 different triggers came up 2 times "
                                   "in all."))).to_be_visible()
    expect(reveal(page, chart(page, "Bar chart of triggers by how often they came up, "
                                    "last 7 days"))).to_be_visible()
    expect(reveal(page, text(page, "Places: once"))).to_be_visible()
    expect(reveal(page, text(page, "payday: once"))).to_be_visible()
    scroll_to_the_end(page)
    shot(page, screenshots, "patterns-4-week-triggers")

    # 4. The last 30 days: the same entries, the charts and sentences for 30 days.
    reveal(page, button(page, "Show: Last 30 days")).click()
    expect(reveal(page, text(page, "Mood averaged 6.0 over the last 30 days (1 day with an "
                                   "entry)."))).to_be_visible()
    expect(reveal(page, chart(page, "Line chart of mood by day, last 30 days"))).to_be_visible()
    expect(chart(page, "Line chart of mood by day, last 7 days")).to_have_count(0)
    shot(page, screenshots, "patterns-5-30-days")
    expect(reveal(page, button(page, "Show: Last 30 days"))).to_be_visible()
    expect(reveal(page, text(page, "Urge strength averaged 7.0 over the last 30 days (1 day "
                                   "with an entry)."))).to_be_visible()
    expect(reveal(page, text(page, "In the last 30 days you logged 1 skill, once."))
           ).to_be_visible()
    assert not [line for line in demo_app.app.lines if "Traceback" in line], demo_app.app.lines
