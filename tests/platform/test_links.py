"""tel: and sms: links built from human-written phone numbers."""

from __future__ import annotations

import pytest

from iop_companion.platform.links import dial_string, sms_uri, tel_uri


@pytest.mark.parametrize(("number", "dial"), [
    ("+1 (555) 010-4477", "+15550104477"),
    ("988", "988"),
    ("911", "911"),
    ("1-800-662-4357", "18006624357"),
    ("555.010.4477", "5550104477"),
    (" 555 0100 ", "5550100"),
    ("+1\u00a0555\u2011010\u20114477", "+15550104477"),  # no-break space, non-breaking hyphen
])
def test_dial_string_keeps_only_dialable_characters(number, dial):
    assert dial_string(number) == dial


def test_tel_uri():
    assert tel_uri("+1 (555) 010-4477") == "tel:+15550104477"
    assert tel_uri("988") == "tel:988"
    assert tel_uri("1-800-662-4357") == "tel:18006624357"


def test_sms_uri():
    assert sms_uri("+1 (555) 010-4477") == "sms:+15550104477"
    assert sms_uri("988") == "sms:988"


@pytest.mark.parametrize("number", ["", "   ", "()-", "call us", "\u0669\u0668\u0668"])
@pytest.mark.parametrize("build", [dial_string, tel_uri, sms_uri])
def test_numbers_without_digits_raise(build, number):
    # Arabic-Indic '٩٨٨' is not ASCII and is stripped, so nothing dialable is left.
    with pytest.raises(ValueError):
        build(number)


@pytest.mark.parametrize("number", ["+", "+ ( )", "#", "*"])
def test_number_without_any_digit_raises_even_with_symbols(number):
    with pytest.raises(ValueError):
        tel_uri(number)
