"""PIN rules: 6 to 12 ASCII digits or a 10-128 character passphrase, refusing the
commonest choices (one key per reason), and the recovery code's format."""

from __future__ import annotations

import pytest

from iop_companion.domain.pin import (
    COMMON_PASSPHRASES,
    COMMON_PINS,
    PASSPHRASE_MAX_LENGTH,
    PASSPHRASE_MIN_LENGTH,
    PIN_MAX_LENGTH,
    PIN_MIN_LENGTH,
    RECOVERY_CODE_ALPHABET,
    generate_recovery_code,
    needs_upgrade,
    new_pin_problem,
    normalise_recovery_code,
    pin_problem,
)
from iop_companion.sync.protocol.enrolment import ENROLMENT_CODE_ALPHABET


def test_length_limits():
    assert (PIN_MIN_LENGTH, PIN_MAX_LENGTH) == (6, 12)
    assert (PASSPHRASE_MIN_LENGTH, PASSPHRASE_MAX_LENGTH) == (10, 128)


@pytest.mark.parametrize(("pin", "problem"), [
    # Length boundaries.
    ("48291", "pin.error.too_short"),
    ("482913", None),
    ("4829137", None),
    ("482913605718", None),
    ("4829136057183", "pin.error.too_long"),
    ("1", "pin.error.too_short"),
    ("2580", "pin.error.too_short"),  # the old 4-digit minimum is no longer enough
    # Empty.
    ("", "pin.error.empty"),
    # Only ASCII 0-9 for a PIN.
    ("\u0664\u0668\u0662\u0669\u0661\u0663", "pin.error.digits_only"),  # Arabic-Indic
    ("\uff14\uff18\uff12\uff19\uff11\uff13", "pin.error.digits_only"),  # full-width
    ("\u00b9\u00b2\u00b3\u2074\u00b9\u00b2", "pin.error.digits_only"),  # superscripts
    ("\u096a\u096e\u0968\u096f\u0967\u0969", "pin.error.digits_only"),  # Devanagari
    # Not only digits: a passphrase, which needs 10 characters.
    ("12a4", "pin.error.passphrase_too_short"),
    ("48 2913", "pin.error.passphrase_too_short"),
    (" 482913", "pin.error.passphrase_too_short"),
    ("-482913", "pin.error.passphrase_too_short"),
    ("blue horse", None),  # exactly 10
    ("blue hors", "pin.error.passphrase_too_short"),  # 9
    ("b" + "lue horse " * 12 + "abcdefg", None),  # 128
    ("b" + "lue horse " * 12 + "abcdefgh", "pin.error.passphrase_too_long"),  # 129
    # Control and format characters are refused in either kind.
    ("482913\n", "pin.error.bad_characters"),
    ("blue\thorse runs", "pin.error.bad_characters"),
    ("blue\u200bhorse runs", "pin.error.bad_characters"),  # zero-width space
    # All the same.
    ("000000", "pin.error.all_same"),
    ("111111", "pin.error.all_same"),
    ("999999999999", "pin.error.all_same"),
    ("aaaaaaaaaa", "pin.error.all_same"),
    ("          ", "pin.error.all_same"),
    ("AAAAA aaaaa", "pin.error.all_same"),
    # Ascending and descending runs, any fixed step, wrapping past 9.
    ("123456", "pin.error.sequence"),
    ("654321", "pin.error.sequence"),
    ("234567", "pin.error.sequence"),
    ("567890", "pin.error.sequence"),
    ("012345", "pin.error.sequence"),
    ("098765", "pin.error.sequence"),
    ("1234567890", "pin.error.sequence"),
    ("135791", "pin.error.sequence"),
    ("246802", "pin.error.sequence"),
    ("123457", None),  # one step off: not a run, and not otherwise refused
    ("abcdefghij", "pin.error.sequence"),
    ("zyxwvutsrq", "pin.error.sequence"),
    ("qwertyuiop", "pin.error.sequence"),
    ("QWERTY UIOP", "pin.error.sequence"),
    ("1qaz2wsx3edc", "pin.error.sequence"),
    # Repeated short patterns.
    ("121212", "pin.error.pattern"),
    ("123123", "pin.error.pattern"),
    ("112233", "pin.error.pattern"),
    ("111222", "pin.error.pattern"),
    ("11223344", "pin.error.pattern"),
    ("4829148291", "pin.error.pattern"),
    ("4824824", "pin.error.pattern"),  # a block said again, cut short
    ("557789", None),  # runs of unequal length: fine
    ("hellohello", "pin.error.pattern"),
    ("abc abc abc abc", "pin.error.pattern"),
    # The commonest PINs and passphrases.
    ("159753", "pin.error.common"),
    ("789456", "pin.error.common"),
    ("147258", "pin.error.common"),
    ("696969", "pin.error.pattern"),  # common too, but the pattern is said first
    ("112358", "pin.error.common"),
    ("password123", "pin.error.common"),
    ("Password 123", "pin.error.common"),
    ("One Day At A Time", "pin.error.common"),
    ("iop-companion", "pin.error.common"),
    # Birth years anywhere in a 6-digit PIN, at the edges of 1920-2030.
    ("199001", "pin.error.date"),
    ("011990", "pin.error.date"),
    ("251990", "pin.error.date"),
    ("819204", "pin.error.date"),  # 1920 in the middle
    ("819194", None),  # 1919 is outside
    ("203077", "pin.error.date"),  # 2030 at the start
    ("203177", None),  # 2031 is outside
    # Dates DDMMYY, MMDDYY and YYMMDD.
    ("250389", "pin.error.date"),  # 25 March 89
    ("032589", "pin.error.date"),  # March 25 89
    ("890325", "pin.error.date"),  # 89 March 25
    ("310489", None),  # 31 April does not exist (and 04/31, 89/04/... neither)
    ("290289", "pin.error.date"),  # 29 February: any year
    ("300289", None),  # 30 February
    # 8-digit dates DDMMYYYY, MMDDYYYY, YYYYMMDD.
    ("25031989", "pin.error.date"),
    ("03251989", "pin.error.date"),
    ("19890325", "pin.error.date"),
    ("25031919", None),  # 1919: outside the years refused
    # Passphrases people actually pick pass when long enough and not on the list.
    ("correct horse battery", None),
    ("Blue horse 42!", None),
])
def test_pin_problem(pin, problem):
    assert pin_problem(pin) == problem


def test_every_common_pin_and_passphrase_is_refused():
    for pin in COMMON_PINS:
        assert pin_problem(pin) is not None, pin
    for phrase in COMMON_PASSPHRASES:
        assert len(phrase) >= PASSPHRASE_MIN_LENGTH, phrase  # shorter ones would be dead
        assert pin_problem(phrase) is not None, phrase


def test_most_six_digit_pins_remain():
    refused = sum(pin_problem(f"{n:06d}") is not None for n in range(0, 1_000_000, 7))
    share = refused / len(range(0, 1_000_000, 7))
    assert 0.05 < share < 0.2  # dates are most of it; about 88% of PINs stay allowed


@pytest.mark.parametrize(("pin", "confirmation", "problem"), [
    ("482913", "482913", None),
    ("482913605718", "482913605718", None),
    ("482913", "482931", "pin.error.mismatch"),
    ("482913", "", "pin.error.mismatch"),
    ("482913", "4829130", "pin.error.mismatch"),
    ("482913", " 482913", "pin.error.mismatch"),
    # A problem with the PIN itself wins over a mismatch.
    ("", "482913", "pin.error.empty"),
    ("48291", "48292", "pin.error.too_short"),
    ("111111", "222222", "pin.error.all_same"),
    ("123456", "123456", "pin.error.sequence"),
    ("4829136057183", "4829136057183", "pin.error.too_long"),
])
def test_new_pin_problem(pin, confirmation, problem):
    assert new_pin_problem(pin, confirmation) == problem


def test_an_older_pin_needs_an_upgrade():
    assert needs_upgrade("2580") and needs_upgrade("123456")
    assert not needs_upgrade("482913")


def test_recovery_codes_are_100_bits_grouped_and_read_back_leniently():
    assert RECOVERY_CODE_ALPHABET == ENROLMENT_CODE_ALPHABET
    assert len(RECOVERY_CODE_ALPHABET) == 32  # 5 bits a character, 20 characters
    codes = {generate_recovery_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4, 4]
        assert set("".join(groups)) <= set(RECOVERY_CODE_ALPHABET)
        canonical = "".join(groups)
        assert normalise_recovery_code(code) == canonical
        assert normalise_recovery_code(code.lower().replace("-", " ")) == canonical
        assert normalise_recovery_code(" " + code.replace("-", "\u2013") + " ") == canonical
    for bad in ("", "ABCD", "ABCD-EFGH-JKLM-NPQR-STU", "ABCD-EFGH-JKLM-NPQR-STUVW",
                "ABCD-EFGH-JKLM-NPQR-STU0", "ABCD-EFGH-JKLM-NPQR-STUI"):
        assert normalise_recovery_code(bad) is None, bad
