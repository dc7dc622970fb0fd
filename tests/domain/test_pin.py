"""PIN rules: 4 to 12 ASCII digits, not all the same, confirmation must match."""

from __future__ import annotations

import pytest

from iop_companion.domain.pin import PIN_MAX_LENGTH, PIN_MIN_LENGTH, new_pin_problem, pin_problem


def test_length_limits():
    assert (PIN_MIN_LENGTH, PIN_MAX_LENGTH) == (4, 12)


@pytest.mark.parametrize(("pin", "problem"), [
    # Length boundaries.
    ("123", "pin.error.too_short"),
    ("1234", None),
    ("123456789012", None),
    ("1234567890123", "pin.error.too_long"),
    ("1", "pin.error.too_short"),
    # Empty.
    ("", "pin.error.empty"),
    # Only ASCII 0-9.
    ("\u0661\u0662\u0663\u0664", "pin.error.digits_only"),    # Arabic-Indic '١٢٣٤'
    ("\uff11\uff12\uff13\uff14", "pin.error.digits_only"),    # full-width '１２３４'
    ("\u00b9\u00b2\u00b3\u2074", "pin.error.digits_only"),    # superscripts '¹²³⁴'
    ("\u0967\u0968\u0969\u096a", "pin.error.digits_only"),    # Devanagari '१२३४'
    ("12a4", "pin.error.digits_only"),
    ("12 34", "pin.error.digits_only"),
    (" 1234", "pin.error.digits_only"),
    ("1234\n", "pin.error.digits_only"),
    ("12.4", "pin.error.digits_only"),
    ("-1234", "pin.error.digits_only"),
    ("+1234", "pin.error.digits_only"),
    ("    ", "pin.error.digits_only"),
    # The character check comes before the length check.
    ("\u0661\u0662\u0663", "pin.error.digits_only"),
    ("ab", "pin.error.digits_only"),
    # All the same digit.
    ("0000", "pin.error.all_same"),
    ("1111", "pin.error.all_same"),
    ("999999999999", "pin.error.all_same"),
    ("1112", None),
    ("0001", None),
    ("2580", None),
    # Length is checked before the all-same rule.
    ("111", "pin.error.too_short"),
    ("1111111111111", "pin.error.too_long"),
])
def test_pin_problem(pin, problem):
    assert pin_problem(pin) == problem


@pytest.mark.parametrize(("pin", "confirmation", "problem"), [
    ("1234", "1234", None),
    ("123456789012", "123456789012", None),
    ("1234", "1243", "pin.error.mismatch"),
    ("1234", "", "pin.error.mismatch"),
    ("1234", "12345", "pin.error.mismatch"),
    ("1234", " 1234", "pin.error.mismatch"),
    ("1234", "\u0661\u0662\u0663\u0664", "pin.error.mismatch"),
    # A problem with the PIN itself wins over a mismatch.
    ("", "1234", "pin.error.empty"),
    ("123", "124", "pin.error.too_short"),
    ("1111", "2222", "pin.error.all_same"),
    ("1111", "1111", "pin.error.all_same"),
    ("12a4", "12a4", "pin.error.digits_only"),
    ("1234567890123", "1234567890123", "pin.error.too_long"),
])
def test_new_pin_problem(pin, confirmation, problem):
    assert new_pin_problem(pin, confirmation) == problem
