"""The weekly BAM (the past 7 days, the VA form's answers), the 14-day trends on Today
and the check-in reminder, in the real app; and a PHQ-9 in the Spanish app, shown in its
published English with a note in Spanish.

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

PIN = "482913"
# Item number -> the answer to choose (the chips are named "Question N: answer"). The
# BAM is weekly by default: day counts are the form's ranges that fit in 7 days.
BAM_ANSWERS = {1: "Good", 2: "1-3 days", 3: "4-7 days", 4: "0 days", 6: "1-3 days",
               8: "Moderately", 9: "Considerably", 10: "4-7 days", 11: "1-3 days",
               12: "Moderately", 13: "4-7 days", 14: "Yes", 15: "Slightly", 16: "4-7 days",
               17: "Moderately"}
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
    # Weekly, so the past 7 days: said above the questions and in each of them.
    expect(text(page, "These questions are about the past 7 days")).to_be_visible()
    expect(text(page, "In the past 7 days, how has your physical health been?")).to_be_visible()
    expect(button(page, "Question 2: 16-30 days")).to_have_count(0)  # cannot be in a week
    shot(page, screenshots, "40-bam-form")
    # Item 5: the VA form's thresholds and what one drink is (on the screenshot above).
    expect(reveal(page, text(page, "One drink is a 12-oz beer"))).to_be_visible()
    for number, answer in BAM_ANSWERS.items():
        reveal(page, button(page, f"Question {number}: {answer}")).click()
        if number == 4:
            # No drinking days: the heavy-drinking question is skipped, as on paper.
            expect(reveal(page, text(page, "Question 5 is skipped"))).to_be_visible()
        if number == 6:
            # Drug use on some days: item 7 asks about each substance.
            for substance in SUBSTANCES:
                days = "4-7 days" if substance == "Opioids" else "0 days"
                reveal(page, button(page, f"{substance}: {days}")).click()
            # More days of opioids than of any drug (item 6): refused next to it.
            expect(reveal(page, text(page, "more days than your answer to question 6"))) \
                .to_be_visible()
            shot(page, screenshots, "41-bam-item-7")
            reveal(page, button(page, "Opioids: 1-3 days")).click()
            expect(text(page, "more days than your answer to question 6")).to_have_count(0)
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


def test_a_phq9_in_spanish_is_the_published_english_with_a_note(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, None)
    button(page, "Settings").click()
    reveal(page, button(page, "Español")).click()
    expect(text(page, "Configuración")).to_be_visible()
    button(page, "Atrás").click()
    reveal(page, button(page, "Empezar Revisión del ánimo (PHQ-9)")).click()
    # The app's words are Spanish; the questionnaire is as published, in English.
    expect(text(page, "Este cuestionario se muestra en inglés")).to_be_visible()
    expect(text(page, "Over the last 2 weeks, how often have you been bothered by any of "
                      "the following problems?")).to_be_visible()
    expect(text(page, "1. Little interest or pleasure in doing things")).to_be_visible()
    expect(button(page, "Pregunta 1: Several days")).to_be_visible()
    shot(page, screenshots, "48-phq9-spanish")
    expect(reveal(page, text(page, "If you checked off any problems"))).to_be_visible()
    expect(reveal(page, button(page, "Dificultad: Somewhat difficult"))).to_be_visible()
    shot(page, screenshots, "49-phq9-spanish-difficulty")
