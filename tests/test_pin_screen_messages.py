"""What the lock screen and "Forgot PIN?" say after a refused try, and how the recovery
code is grouped for writing down (the screens themselves: tests/e2e/test_pin_recovery.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iop_companion.i18n import Translator
from iop_companion.services.account import UnlockOutcome
from iop_companion.ui.lock.view import attempt_message
from iop_companion.ui.onboarding.recovery_code import code_groups

LOCALES_DIR = Path(__file__).resolve().parents[1] / "assets" / "locales"


@pytest.fixture(params=["en", "es"])
def t(request):
    return Translator(LOCALES_DIR, request.param).t


@pytest.mark.parametrize("rule", ["pin.error.too_short", "pin.error.common", "pin.error.date",
                                  "pin.error.passphrase_too_short"])
def test_a_wrong_pin_is_never_answered_with_a_rule_for_choosing_one(t, rule: str) -> None:
    said = attempt_message(t, UnlockOutcome(False, rule))
    assert said == t("lock.error.wrong_pin")
    assert t(rule) not in said


def test_tries_left_and_the_wait_follow_the_wrong_pin() -> None:
    t = Translator(LOCALES_DIR, "en").t
    said = attempt_message(t, UnlockOutcome(False, "lock.error.wrong_pin", 5, 4.2))
    assert said == ("That PIN didn't match. 5 tries left before a pause. "
                    "Please wait 5 seconds before trying again.")
    assert attempt_message(t, UnlockOutcome(False, "lock.error.wrong_pin", 1, 1.0)) == (
        "That PIN didn't match. 1 try left before a pause. "
        "Please wait 1 second before trying again.")


def test_with_the_wipe_chosen_the_tries_left_count_down_to_the_erase() -> None:
    t = Translator(LOCALES_DIR, "en").t
    outcome = UnlockOutcome(False, "lock.error.wrong_pin", 1, 30.0)
    said = attempt_message(t, outcome, wipe_on=True)
    assert "1 try left before the app erases its data" in said
    assert "pause" not in said


def test_a_long_wait_is_said_in_minutes() -> None:
    t = Translator(LOCALES_DIR, "en").t
    assert attempt_message(t, UnlockOutcome(False, "lock.error.wait", retry_after_s=900.0)) \
        == "Please wait 15 minutes before trying again."
    assert attempt_message(t, UnlockOutcome(False, "lock.error.wait", retry_after_s=16.0)) \
        == "Please wait 16 seconds before trying again."


def test_a_refused_recovery_code_gets_the_same_kind_of_message(t) -> None:
    outcome = UnlockOutcome(False, "pin.recovery.error.wrong_code", 8, 0.0)
    said = attempt_message(t, outcome, fallback_key="pin.recovery.error.wrong_code")
    assert said.startswith(t("pin.recovery.error.wrong_code"))
    assert "8" in said


@pytest.mark.parametrize("shown", ["ABCD-EFGH-JKLM-NPQR-STUV", "ABCD EFGH JKLM NPQR STUV",
                                   "ABCDEFGHJKLMNPQRSTUV"])
def test_the_recovery_code_is_shown_in_groups_of_four(shown: str) -> None:
    assert code_groups(shown) == ["ABCD", "EFGH", "JKLM", "NPQR", "STUV"]
