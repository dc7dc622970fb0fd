"""Rules for the secret that locks the app and protects the encryption key.

A new secret is either a PIN of 6 to 12 digits (0-9) or a passphrase of 10 to 128
characters that is not only digits. Refused, one translation key per reason:

* ``pin.error.all_same``: one digit or character repeated (111111, "aaaaaaaaaa");
* ``pin.error.sequence``: each digit one step on from the last, upwards or downwards,
  with any fixed step and wrapping past 9 (123456, 654321, 567890, 135791); a
  passphrase that walks the alphabet or the keyboard (abcdefghij, qwertyuiop);
* ``pin.error.pattern``: a short block repeated (121212, 123123, "hellohello") or
  digits in equal runs (112233, 111222);
* ``pin.error.common``: a short list of the PINs and passphrases people choose most
  (``COMMON_PINS``, ``COMMON_PASSPHRASES``), which are the first an attacker tries;
* ``pin.error.date``: a 6-digit PIN holding a year from 1920 to 2030 anywhere
  (199001, 011990, 251990) or reading as a date DDMMYY, MMDDYY or YYMMDD; an 8-digit
  PIN reading as DDMMYYYY, MMDDYYYY or YYYYMMDD. Birthdays are known to others.

These rules apply only when a secret is *chosen* (set-up, change, recovery). The lock
screen never applies them: a PIN set under the older rule (4 digits and up) keeps
working, and a wrong or malformed one is simply a wrong PIN.

Recovery codes (``generate_recovery_code``) are 20 characters from the alphabet of
enrolment codes (no 0/O, 1/I), about 100 bits, written XXXX-XXXX-XXXX-XXXX-XXXX.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from itertools import pairwise

PIN_MIN_LENGTH = 6
PIN_MAX_LENGTH = 12
#: The rule before version 2 of the key file: installs set up then may still use it.
LEGACY_PIN_MIN_LENGTH = 4
PASSPHRASE_MIN_LENGTH = 10
PASSPHRASE_MAX_LENGTH = 128

FIRST_BIRTH_YEAR = 1920
LAST_BIRTH_YEAR = 2030

# The same alphabet as enrolment codes (sync/protocol/enrolment.py; a test keeps them
# equal): read from paper and typed, so characters that look alike are left out. The
# store may not import the wire protocol, hence the copy here.
RECOVERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECOVERY_CODE_LENGTH = 20  # 20 x 5 bits = 100 bits
RECOVERY_CODE_GROUP = 4
_CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")  # spaces, hyphens and dashes

# The most used 6-digit PINs in published studies of leaked and surveyed PINs
# (Wang et al. 2017; Markert et al. 2020), keypad shapes (2580 is the middle
# column) and well-known numbers; many are also caught by the rules above.
COMMON_PINS = frozenset({
    "123456", "654321", "111111", "000000", "123123", "666666", "121212", "112233",
    "789456", "159753", "777777", "555555", "987654", "123321", "222222", "999999",
    "888888", "147258", "456789", "131313", "101010", "520520", "521521", "159357",
    "753951", "951753", "357159", "258456", "147852", "741852", "963852", "852963",
    "369258", "258369", "147369", "963741", "123654", "321654", "456123", "789123",
    "123789", "100200", "102030", "010203", "112358", "696969", "420420", "142536",
    "124578", "135790", "246810", "314159", "271828", "258025", "025802", "258852",
    "147741", "100000", "200000", "110110", "000001", "111222", "520131", "201314",
    "147258369", "741852963", "1234567890", "0987654321", "5201314",
})

# Compared with spaces, hyphens and case removed. Slogans heard in recovery groups are
# here because they are what someone who knows the person would try first.
COMMON_PASSPHRASES = frozenset({
    "password12", "password123", "password1234", "passwordpassword",
    "qwerty1234", "qwerty12345", "qwerty123456", "1q2w3e4r5t", "1q2w3e4r5t6y",
    "1qaz2wsx3edc", "iloveyou12", "iloveyou123", "iloveyou1234", "letmein123",
    "welcome123", "welcome1234", "abc1234567", "abcd123456", "changeme123",
    "trustno1234", "sunshine12", "princess12", "football12", "baseball12",
    "superman12", "iopcompanion", "iopcompanion1", "recovery123", "sobriety123",
    "onedayatatime", "easydoesit", "letgoandletgod", "letgoletgod", "keepcomingback",
    "thisshalltoopass", "progressnotperfection", "serenityprayer", "higherpower",
})

_KEYBOARD_WALKS = (
    "qwertyuiopasdfghjklzxcvbnm",
    "1234567890qwertyuiop",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "abcdefghijklmnopqrstuvwxyz",
)


def pin_problem(pin: str) -> str | None:
    """A translation key saying why `pin` may not be chosen, or None when it may."""
    if not pin:
        return "pin.error.empty"
    if any(unicodedata.category(ch).startswith("C") for ch in pin):
        return "pin.error.bad_characters"  # control, format and unassigned characters
    if all(ch.isdigit() for ch in pin):
        if not pin.isascii():
            return "pin.error.digits_only"  # other scripts' digits: keyboards differ
        return _digit_pin_problem(pin)
    return _passphrase_problem(pin)


def new_pin_problem(pin: str, confirmation: str) -> str | None:
    """Validate a new PIN and its confirmation; the first problem found wins."""
    problem = pin_problem(pin)
    if problem:
        return problem
    if pin != confirmation:
        return "pin.error.mismatch"
    return None


def needs_upgrade(pin: str) -> bool:
    """True for a secret that opened the store but would not be accepted today."""
    return pin_problem(pin) is not None


# ---------------------------------------------------------------------- digit PINs

def _digit_pin_problem(pin: str) -> str | None:
    if len(pin) < PIN_MIN_LENGTH:
        return "pin.error.too_short"
    if len(pin) > PIN_MAX_LENGTH:
        return "pin.error.too_long"
    digits = [int(ch) for ch in pin]
    if len(set(digits)) == 1:
        return "pin.error.all_same"
    if _fixed_step(digits, modulus=10):
        return "pin.error.sequence"
    if _repeats_a_block(pin) or _equal_runs(pin):
        return "pin.error.pattern"
    if pin in COMMON_PINS:
        return "pin.error.common"
    if _looks_like_a_date(pin):
        return "pin.error.date"
    return None


def _fixed_step(values: list[int], modulus: int | None) -> bool:
    """Every value is the last plus the same step (mod `modulus`): 123456, 135791, 9876."""
    steps = {(b - a) % modulus if modulus else b - a for a, b in pairwise(values)}
    return len(steps) == 1


def _repeats_a_block(text: str) -> bool:
    """`text` is a shorter block said again and again (121212, 1231231, hellohello)."""
    for size in range(1, len(text) // 2 + 1):
        block = text[:size]
        if (block * (len(text) // size + 1))[: len(text)] == text:
            return True
    return False


def _equal_runs(pin: str) -> bool:
    """Digits in runs of one equal length of at least 2: 112233, 111222, 11223344."""
    runs = [len(match.group(0)) for match in re.finditer(r"(\d)\1*", pin)]
    return len(set(runs)) == 1 and runs[0] >= 2


def _looks_like_a_date(pin: str) -> bool:
    if len(pin) == 6:
        if any(_is_birth_year(pin[i : i + 4]) for i in range(3)):
            return True
        dd_mm = _is_day_month(pin[0:2], pin[2:4])
        mm_dd = _is_day_month(pin[2:4], pin[0:2])
        yy_mm_dd = _is_day_month(pin[4:6], pin[2:4])
        return dd_mm or mm_dd or yy_mm_dd
    if len(pin) == 8:
        return (
            (_is_birth_year(pin[4:8]) and _is_day_month(pin[0:2], pin[2:4]))
            or (_is_birth_year(pin[4:8]) and _is_day_month(pin[2:4], pin[0:2]))
            or (_is_birth_year(pin[0:4]) and _is_day_month(pin[6:8], pin[4:6]))
        )
    return False


def _is_birth_year(text: str) -> bool:
    return FIRST_BIRTH_YEAR <= int(text) <= LAST_BIRTH_YEAR


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # any year: 29 Feb


def _is_day_month(day: str, month: str) -> bool:
    d, m = int(day), int(month)
    return 1 <= m <= 12 and 1 <= d <= _DAYS_IN_MONTH[m - 1]


# --------------------------------------------------------------------- passphrases

def _passphrase_problem(phrase: str) -> str | None:
    length = len(unicodedata.normalize("NFKC", phrase))  # what the key is derived from
    if length < PASSPHRASE_MIN_LENGTH:
        return "pin.error.passphrase_too_short"
    if length > PASSPHRASE_MAX_LENGTH:
        return "pin.error.passphrase_too_long"
    folded = _fold(phrase)
    if len(set(folded)) <= 1:
        return "pin.error.all_same"
    if _walks(folded):
        return "pin.error.sequence"
    if _repeats_a_block(folded):
        return "pin.error.pattern"
    if folded in COMMON_PASSPHRASES:
        return "pin.error.common"
    return None


def _fold(phrase: str) -> str:
    """Case, spaces and hyphens removed: "One Day At A Time" == "onedayatatime"."""
    text = unicodedata.normalize("NFKC", phrase).casefold()
    return _CODE_SEPARATORS.sub("", text)


def _walks(folded: str) -> bool:
    if len(folded) >= 3 and _fixed_step([ord(ch) for ch in folded], modulus=None):
        step = ord(folded[1]) - ord(folded[0])
        if abs(step) == 1:
            return True  # abcdefghij, zyxwvutsrq
    return any(folded in walk or folded in walk[::-1] for walk in _KEYBOARD_WALKS)


# ------------------------------------------------------------------ recovery codes

def generate_recovery_code() -> str:
    """A new random recovery code, grouped for reading: XXXX-XXXX-XXXX-XXXX-XXXX."""
    code = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return format_recovery_code(code)


def format_recovery_code(canonical: str) -> str:
    return "-".join(
        canonical[i : i + RECOVERY_CODE_GROUP]
        for i in range(0, len(canonical), RECOVERY_CODE_GROUP)
    )


def normalise_recovery_code(typed: str) -> str | None:
    """The canonical 20 characters of a code as typed ("abcd efgh-..."), or None when
    it cannot be a recovery code (wrong length or characters)."""
    if not isinstance(typed, str):
        return None
    code = _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", typed)).upper()
    if len(code) != RECOVERY_CODE_LENGTH or any(ch not in RECOVERY_CODE_ALPHABET for ch in code):
        return None
    return code
