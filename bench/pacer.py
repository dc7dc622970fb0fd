"""Pacer benchmark: a 60-second box-breathing session in headless Chromium, each phase
change shown on screen compared with its scheduled time.

The app runs as people use it (`iop-companion --web --demo`); the robot sets it up
without a clinic, opens box breathing, chooses 1 minute and starts. In the page a
MutationObserver stamps (performance.now) every change of the phase word in the
accessibility tree. Change k should appear 4k seconds after the start; the start, on
the browser's clock, is where the changes after the first put it (their median offset),
so the network's constant delay is not counted as drift. Prints every change, the
first word's extra delay (`pacer_start_latency_ms=`: it comes with the whole running
screen) and `pacer_max_drift_ms=` over the later changes (target: at most 150).

    .venv/bin/python bench/pacer.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.conftest import BIN_DIR, free_port, start, wait_for_http
from tests.e2e.driver import (
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    button,
    complete_first_run,
    open_app,
    reveal,
    tab,
)
from tests.e2e.test_practice import PHASE_WORDS, WATCH_PHASES

PIN = "482913"
PHASE_SECONDS = 4
SESSION_SECONDS = 60


def main() -> int:
    from playwright.sync_api import sync_playwright

    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        app = start([str(BIN_DIR / "iop-companion"), "--web", "--demo", "--port", str(port),
                     "--data-dir", data])
        try:
            app.wait_for_line(r"IOP Companion is ready")
            url = f"http://127.0.0.1:{port}/"
            wait_for_http(url)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH,
                                                     args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 412, "height": 915}).new_page()
                open_app(page, url)
                complete_first_run(page, PIN, None)
                tab(page, "Practice").click()
                reveal(page, button(page, "Open: Box breathing")).dispatch_event("click")
                reveal(page, button(page, "Length: 1 min")).click()
                page.evaluate(WATCH_PHASES, PHASE_WORDS)
                reveal(page, button(page, "Start")).click()
                time.sleep(SESSION_SECONDS + 3)
                seen = page.evaluate("window.__phases || []")
                browser.close()
        finally:
            app.stop()
    if not seen:
        print("no phase change was seen", file=sys.stderr)
        return 1
    # Time zero: where the phase changes after the first put the session's start, on
    # the browser's clock (their median offset from the schedule). The first word comes
    # with the whole running screen, a heavier update than a word changing: how much
    # later it shows is printed apart, as the start latency.
    offsets = [at - index * PHASE_SECONDS * 1000 for index, (_, at) in enumerate(seen)]
    zero = statistics.median(offsets[1:]) if len(offsets) > 1 else offsets[0]
    drifts: list[float] = []
    for index, (word, at) in enumerate(seen):
        scheduled = index * PHASE_SECONDS * 1000
        drift = (at - zero) - scheduled
        if index:
            drifts.append(abs(drift))
        print(f"{index:2d} {word:12s} scheduled {scheduled / 1000:5.1f} s  "
              f"shown {(at - zero) / 1000:7.3f} s  drift {drift:+7.1f} ms")
    print(f"pacer_start_latency_ms={offsets[0] - zero:.0f}")
    expected = SESSION_SECONDS // PHASE_SECONDS
    print(f"phase_changes_seen={len(seen)} (expected {expected})")
    print(f"pacer_max_drift_ms={max(drifts, default=0):.0f}")
    return 0 if len(seen) == expected else 1


if __name__ == "__main__":
    sys.exit(main())
