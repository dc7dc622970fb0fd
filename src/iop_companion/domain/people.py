"""My people: the participant's own list of the people who support them and the
professionals who care for them, typed once and shown with call and text buttons in
the safety, relapse-prevention and aftercare plans.

Pure rules only: a person as typed -> the record the store keeps, what needs fixing
(translation keys), and finding a phone number a person can tap inside a free-text
plan line ("Mom 555-123-4567", "(555) 123 4567", "+1 555 123 4567", "988").

A person: ``{id, name, phone, kind, role}``; ``phone`` and ``role`` may be "" (a
person without a number is still one of my people), ``kind`` is "support" or
"professional", ``role`` says who they are to me ("sponsor", "therapist").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("support", "professional")
NAME_MAX = 80
PHONE_MAX = 40
ROLE_MAX = 80
PEOPLE_MAX = 100
# Dialable numbers shorter than a phone number, found only when written alone: the
# 988 Suicide & Crisis Lifeline, emergency services, and 211 (local help lines).
SHORT_NUMBERS = frozenset({"988", "911", "211"})
DIGITS_MIN = 7   # a local number without its area code ("555-0101")
DIGITS_MAX = 15  # the longest international number (ITU E.164)
PERSON_FIELDS = ("name", "phone", "kind", "role")


# --- finding a phone number in a line of text -------------------------------------------

@dataclass(frozen=True)
class PhoneMatch:
    """A number found in text: as written there (for the button's label) and as the
    phone dials it (digits, with a leading + for an international number)."""

    written: str
    dial: str


# Between two groups of digits: spaces, one dash or dot, brackets. Never "/" or ":"
# (dates and times), never "," (amounts).
_SEP = r"(?:\)?[ \u00a0]*[-.\u2010-\u2013]?[ \u00a0]*\(?)"
_RUN = re.compile(r"(?<![\d+])(?:\+[ \u00a0]?)?\(?\d+(?:(?=[ \u00a0.()\-\u2010-\u2013])" + _SEP
                  + r"\d+)*")
_GROUP = re.compile(r"\d+")
_SPACES = re.compile(r"[\s\u00a0]")


def find_phone(text: str) -> PhoneMatch | None:
    """The first phone number in `text` a person could mean to call, or None.

    Found: "555-123-4567", "(555) 123 4567", "+1 555 123 4567", "555.123.4567",
    "5551234567", "555-0101", "1-800-273-8255", and 988, 911 or 211 standing alone.
    Not found: dates ("2026-11-22", "22.11.2026"), year ranges ("2019-2024"), times,
    amounts, short numbers ("5 minutes", "30 days"), decimals and version numbers.
    """
    found = find_phones(text)
    return found[0] if found else None


def find_phones(text: str) -> list[PhoneMatch]:
    """Every phone number in `text` (see `find_phone`), in the order written."""
    if not isinstance(text, str):
        return []
    found: list[PhoneMatch] = []
    for run in _RUN.finditer(text):
        start = 0
        while (hit := _best_window(text, run, start)) is not None:
            match, start = hit
            found.append(match)
    return found


def phone_in(text: str) -> str | None:
    """The dial string of the first phone number in a free-text plan line, or None."""
    found = find_phone(text)
    return found.dial if found else None


def dial_number(typed: str) -> str | None:
    """A typed phone number -> its dial string, or None when the text is not one phone
    number (letters, two numbers, a date, too few digits)."""
    if not isinstance(typed, str):
        return None
    cleaned = typed.strip()
    if not cleaned or len(cleaned) > PHONE_MAX or re.search(r"[^\d\s\u00a0+().\-\u2010-\u2013]",
                                                            cleaned):
        return None
    found = find_phone(cleaned)
    if found is None or found.dial.lstrip("+") != re.sub(r"\D", "", cleaned):
        return None
    return found.dial


def _best_window(text: str, run: re.Match[str],
                 start_group: int = 0) -> tuple[PhoneMatch, int] | None:
    """The longest stretch of this run of digit groups (from `start_group` on) that is a
    phone number, and the group after it.

    A stretch may start or end only where the writing has a space (so "2 555-123-4567"
    gives "555-123-4567", while "3.14159265" is one decimal, never a number to call)."""
    groups = list(_GROUP.finditer(run.group(0)))
    offset = run.start()
    plus = run.group(0).lstrip().startswith("+")
    # Where a stretch may be cut: the separator before group i holds a space.
    cuttable = [i == 0 or bool(re.search(r"[\s\u00a0]",
                                         run.group(0)[groups[i - 1].end():groups[i].start()]))
                for i in range(len(groups))]
    windows: list[tuple[int, int, int]] = []  # (digits, first group, last group)
    for i in range(start_group, len(groups)):
        if not cuttable[i]:
            continue
        digits = 0
        for j in range(i, len(groups)):
            digits += len(groups[j].group(0))
            if digits > DIGITS_MAX:
                break  # no longer a phone number: a long line stays quick to draw
            if j == len(groups) - 1 or cuttable[j + 1]:
                windows.append((digits, i, j))
    windows.sort(key=lambda w: (-w[0], w[1]))
    for _, first, last in windows:
        window = groups[first:last + 1]
        seps = [run.group(0)[window[k].end():window[k + 1].start()] for k in range(len(window) - 1)]
        with_plus = plus and first == 0
        dial = _dial_if_phone([g.group(0) for g in window], seps, with_plus)
        if dial is None:
            continue
        start = offset + window[0].start()
        if with_plus:
            start = offset + run.group(0).index("+")
        elif start > 0 and text[start - 1] == "(":
            start -= 1
        end = offset + window[-1].end()
        return PhoneMatch(written=text[start:end], dial=dial), last + 1
    return None


def _dial_if_phone(groups: list[str], seps: list[str], plus: bool) -> str | None:
    digits = "".join(groups)
    if len(groups) == 1 and not plus and digits in SHORT_NUMBERS:
        return digits
    if not DIGITS_MIN <= len(digits) <= DIGITS_MAX:
        return None
    if _looks_like_date(groups, seps):
        return None
    # Phone numbers are written in groups of two or more digits; only a leading
    # country or trunk code ("+1 ...", "1-800-...", "0 20 ...") stands alone.
    if any(len(group) < 2 for group in groups[1:]):
        return None
    if len(groups[0]) == 1 and not plus and not (groups[0] in "01" and len(groups) >= 3):
        return None
    return ("+" if plus else "") + digits


def _looks_like_date(groups: list[str], seps: list[str]) -> bool:
    marks = {_SPACES.sub("", sep) for sep in seps}
    sizes = tuple(len(group) for group in groups)
    numbers = [int(group) for group in groups]

    def year(n: int) -> bool:
        return 1900 <= n <= 2099

    if len(groups) == 2 and sizes == (4, 4):
        return year(numbers[0]) and year(numbers[1])  # 2019-2024
    if len(groups) != 3 or len(marks) != 1:
        return False
    if sizes == (4, 2, 2):
        return year(numbers[0]) and 1 <= numbers[1] <= 12 and 1 <= numbers[2] <= 31
    if sizes[2] == 4 and sizes[0] <= 2 and sizes[1] <= 2:
        return year(numbers[2]) and 1 <= numbers[0] <= 31 and 1 <= numbers[1] <= 31
    return False


# --- a person as typed --------------------------------------------------------------

@dataclass(frozen=True)
class PersonDraft:
    """A person as typed in the form (anything may still be blank or wrong)."""

    name: str = ""
    phone: str = ""
    kind: str | None = "support"
    role: str = ""

    def snapshot(self) -> dict[str, Any]:
        return {"name": self.name, "phone": self.phone, "kind": self.kind, "role": self.role}

    @classmethod
    def from_snapshot(cls, value: Any) -> PersonDraft | None:
        if not isinstance(value, Mapping):
            return None
        kind = value.get("kind")
        return cls(name=str(value.get("name") or ""), phone=str(value.get("phone") or ""),
                   kind=kind if kind in KINDS else None, role=str(value.get("role") or ""))


def draft_from_person(person: Mapping[str, Any] | None) -> PersonDraft:
    if not person:
        return PersonDraft()
    return PersonDraft(name=str(person.get("name", "")), phone=str(person.get("phone", "")),
                       kind=person.get("kind") if person.get("kind") in KINDS else "support",
                       role=str(person.get("role", "")))


def _single_line_problem(value: str, limit: int, key: str) -> str | None:
    if len(value) > limit or "\n" in value or "\r" in value:
        return key
    return None


def person_problems(draft: PersonDraft) -> dict[str, str]:
    """Field ("name", "phone", "kind", "role") -> translation key of what needs fixing;
    empty when the person can be saved."""
    problems: dict[str, str] = {}
    name, phone, role = draft.name.strip(), draft.phone.strip(), draft.role.strip()
    if not name:
        problems["name"] = "people.error.name_required"
    elif found := _single_line_problem(name, NAME_MAX, "people.error.name_long"):
        problems["name"] = found
    if len(phone) > PHONE_MAX:
        problems["phone"] = "people.error.phone_long"
    elif phone and dial_number(phone) is None:
        problems["phone"] = "people.error.phone"
    if draft.kind not in KINDS:
        problems["kind"] = "people.error.kind"
    if found := _single_line_problem(role, ROLE_MAX, "people.error.role_long"):
        problems["role"] = found
    return problems


def person_record(draft: PersonDraft) -> dict[str, Any]:
    """The fields the store keeps; call only when `person_problems(draft)` is empty.
    The phone is kept as written (it reads better); `dial_number` dials it."""
    return {"name": draft.name.strip(), "phone": draft.phone.strip(),
            "kind": draft.kind or "support", "role": draft.role.strip()}


def person_content(person: Mapping[str, Any] | None) -> dict[str, Any]:
    """A person without id and timestamps: what two copies must share to be the same."""
    return {name: (person or {}).get(name, "") for name in PERSON_FIELDS}


def ordered_people(people: Iterable[Mapping[str, Any]],
                   kind: str | None = None) -> list[dict[str, Any]]:
    """People of `kind` (all when None), by name as a person reads a list."""
    chosen = [dict(p) for p in people if kind is None or p.get("kind") == kind]
    chosen.sort(key=lambda p: (str(p.get("name", "")).casefold(), str(p.get("id", ""))))
    return chosen


def person_dial(person: Mapping[str, Any]) -> str | None:
    """The person's number as the phone dials it, or None (no number, or not dialable)."""
    return dial_number(str(person.get("phone") or ""))
