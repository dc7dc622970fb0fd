"""The weekly BAM, the 14-day trends on Today and the check-in reminder, in the real app.

The app runs without a clinic here: what reaches the clinic is covered against the real
server in tests/services/test_measure_results.py. Times are the app's own zone, which
without a clinic is this machine's.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, complete_first_run, fill, open_app, reveal, shot, text

PIN = "2468"
# Item number -> the answer to choose (the chips are named "Question N: answer").
BAM_ANSWERS = {1: "Good", 2: "1 to 3", 3: "4 to 8", 4: "None", 6: "1 to 3", 8: "Some",
               9: "Quite a bit", 10: "4 to 8", 11: "1 to 3", 12: "Some", 13: "9 to 15",
               14: "Yes", 15: "A little", 16: "9 to 15", 17: "Some"}
SUBSTANCES = ["Marijuana", "Sedatives or tranquilizers", "Cocaine or crack", "Other stimulants",
              "Opioids", "Inhalants", "Other drugs"]


def check_in(page: Page, start: str, mood: int, sleep: str) -> None:
    reveal(page, button(page, start)).click()
    fill(page, "Hours of sleep last night", sleep)
    reveal(page, button(page, f"Mood {mood}")).click()
    reveal(page, button(page, "Sleep: OK")).click()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()


def test_bam_result_trends_and_the_reminder(page: Page, demo_app: RunningApp,
                                            screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, None)

    # The BAM is due on Today like the other questionnaires.
    reveal(page, button(page, "Start Recovery check (BAM)")).click()
    expect(text(page, "These questions are about the past 30 days")).to_be_visible()
    shot(page, screenshots, "40-bam-form")
    for number, answer in BAM_ANSWERS.items():
        reveal(page, button(page, f"Question {number}: {answer}")).click()
        if number == 4:
            # No drinking days: the heavy-drinking question is skipped, as on paper.
            expect(reveal(page, text(page, "Question 5 is skipped"))).to_be_visible()
        if number == 6:
            # Drug use on some days: item 7 asks about each substance.
            for substance in SUBSTANCES:
                days = "1 to 3" if substance == "Opioids" else "None"
                reveal(page, button(page, f"{substance}: {days}")).click()
            shot(page, screenshots, "41-bam-item-7")
    reveal(page, button(page, "Save my answers")).click()

    expect(text(page, "Thank you for being honest about your use")).to_be_visible()
    expect(reveal(page, text(page, "Things that support your recovery"))).to_be_visible()
    shot(page, screenshots, "42-bam-result")
    expect(reveal(page, text(page, "This is not a diagnosis"))).to_be_visible()
    shot(page, screenshots, "43-bam-result-end")
    expect(button(page, "Get help now")).to_be_visible()
    reveal(page, button(page, "Done")).click()

    # Today: done for this week, and the trend card waits for check-ins.
    expect(reveal(page, text(page, "Recovery check (BAM): done today"))).to_be_visible()
    expect(reveal(page, text(page, "No check-ins in the last 14 days yet"))).to_be_visible()

    # The reminder: off by default; on, at this very minute.
    button(page, "Settings").click()
    expect(reveal(page, button(page, "Daily reminder: Off"))).to_be_visible()
    reveal(page, button(page, "Daily reminder: On")).click()
    fill(page, "Reminder time", datetime.now().strftime("%H:%M"))
    reveal(page, button(page, "Save time")).click()
    expect(reveal(page, text(page, "On: every day at"))).to_be_visible()
    shot(page, screenshots, "44-settings-reminder")
    button(page, "Back").click()

    # No check-in yet today, so the app shows its banner (web mode has no system
    # notifications); it names no health details and opens the check-in.
    # The shell checks every 15 seconds.
    expect(button(page, "Not now")).to_be_visible(timeout=45_000)
    expect(text(page, "Time for your daily check-in")).to_be_visible()
    shot(page, screenshots, "45-reminder-banner")
    button(page, "Check in now").click()
    expect(text(page, "How are you today?")).to_be_visible()
    fill(page, "Hours of sleep last night", "7")
    reveal(page, button(page, "Mood 7")).click()
    reveal(page, button(page, "Sleep: OK")).click()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()

    check_in(page, "Check in again", 3, "8")
    # Two check-ins today: the day counts once, at their average (7 + 3) / 2 = 5.
    expect(reveal(page, text(page, "You checked in on 1 of the last 14 days"))).to_be_visible()
    expect(reveal(page, text(page, "Mood over the last 14 days: average 5 out of 10"))) \
        .to_be_visible()
    expect(reveal(page, text(page, "Sleep: about 7.5 hours a night"))).to_be_visible()
    expect(text(page, "Time for your daily check-in")).to_have_count(0)
    shot(page, screenshots, "46-today-trends")
    expect(reveal(page, text(page, "Latest questionnaires"))).to_be_visible()
    shot(page, screenshots, "47-today-latest-questionnaires")
