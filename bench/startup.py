"""Start-up benchmark: cold loads of our Today screen vs a hello-world Flet app.

Prints medians over several cold loads (a new browser context each time, so no
cache) in headless Chromium of:
  (a) navigation -> the first labelled text of Today for an enrolled participant:
      the lock screen appears, the PIN is typed (not timed: that is the person),
      Enter -> Today shows (timed: PIN check with scrypt, then rendering), and
  (b) navigation -> the text of a hello-world Flet app served the same way,
and `startup_ratio=a/b` (target: at most 1.3). Also prints the time to the lock
screen alone and the unlock step, so a regression can be placed.

    .venv/bin/python bench/startup.py [--loads 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.conftest import free_port, start, wait_for_http
from tests.e2e.driver import (
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    button,
    complete_first_run,
    field,
    fill,
    open_app,
    tab,
)

PIN = "482913"


def semantics_on(page) -> None:
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")


def load_today(browser, url: str) -> tuple[float, float]:
    """(lock screen shown, Today shown) in seconds of the app's own time.

    The seconds the robot spends typing the PIN are not the app's: the clock stops
    while it types and restarts when it presses Enter.
    """
    context = browser.new_context(viewport={"width": 412, "height": 915})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    semantics_on(page)
    field(page, "PIN").wait_for(timeout=60_000)
    lock_shown = time.perf_counter() - started
    fill(page, "PIN", PIN)
    submitted = time.perf_counter()
    button(page, "Unlock").click()
    try:
        tab(page, "Today").wait_for(timeout=60_000)
    except Exception:
        page.screenshot(path="/tmp/bench-fail.png")
        raise
    page.get_by_text("Daily check-in").first.wait_for(timeout=60_000)
    unlocked = time.perf_counter() - submitted
    context.close()
    return lock_shown, lock_shown + unlocked


def load_hello(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 412, "height": 915})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    semantics_on(page)
    page.get_by_text("Hello, world").wait_for(timeout=60_000)
    done = time.perf_counter()
    context.close()
    return done - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as data_dir, sync_playwright() as playwright:
        app_port, hello_port = free_port(), free_port()
        app = start(
            [
                str(bin_dir / "iop-companion"),
                "--web",
                "--demo",
                "--port",
                str(app_port),
                "--data-dir",
                data_dir,
            ]
        )
        hello = start([sys.executable, str(REPO / "bench" / "hello_flet.py"), str(hello_port)])
        try:
            code = app.wait_for_line(r"Demo enrolment code: (\S+)").group(1)
            app.wait_for_line("IOP Companion is ready")
            app_url, hello_url = f"http://127.0.0.1:{app_port}/", f"http://127.0.0.1:{hello_port}/"
            wait_for_http(app_url)
            wait_for_http(hello_url)
            browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
            setup = browser.new_page(viewport={"width": 412, "height": 915})
            open_app(setup, app_url)
            complete_first_run(setup, PIN, code)
            setup.close()
            load_hello(browser, hello_url)  # warm the server processes, not the browser
            lock_times, today_times, hello_times = [], [], []
            for _ in range(args.loads):
                lock_time, today_time = load_today(browser, app_url)
                lock_times.append(lock_time)
                today_times.append(today_time)
                hello_times.append(load_hello(browser, hello_url))
            browser.close()
        finally:
            app.stop()
            hello.stop()
    today = statistics.median(today_times)
    hello_median = statistics.median(hello_times)
    lock = statistics.median(lock_times)
    print(f"loads={args.loads}")
    print(f"today_ms={today * 1000:.0f}")
    print(f"lock_screen_ms={lock * 1000:.0f}")
    print(f"unlock_to_today_ms={(today - lock) * 1000:.0f}")
    print(f"hello_world_ms={hello_median * 1000:.0f}")
    print(f"startup_ratio={today / hello_median:.2f}")
    print(f"lock_screen_ratio={lock / hello_median:.2f}")


if __name__ == "__main__":
    main()
