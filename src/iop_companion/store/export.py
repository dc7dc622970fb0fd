"""Participant export: all of a person's own data, as JSON and as a readable page.

Both carry the 42 CFR Part 2 notice against redisclosure (42 CFR 2.32(a), Statement
1 as revised in 2024), because an export may contain substance-use information and
the person may hand it to someone else. (Compliance should confirm the wording.)
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from itertools import pairwise
from typing import Any

EXPORT_FORMAT = "iop-companion-export"
EXPORT_FORMAT_VERSION = 1

REDISCLOSURE_NOTICE = (
    "This record which has been disclosed to you is protected by Federal "
    "confidentiality rules (42 CFR part 2). These rules prohibit you from using or "
    "disclosing this record, or testimony that describes the information contained in "
    "this record, in any civil, criminal, administrative, or legislative proceedings by "
    "any Federal, State, or local authority, against the patient, unless authorized by "
    "the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as "
    "authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, the "
    "Federal rules prohibit you from making any other use or disclosure of this record "
    "unless at least one of the following applies: (i) Further use or disclosure is "
    "expressly permitted by the written consent of the individual whose information is "
    "being disclosed in this record or as otherwise permitted by 42 CFR part 2. (ii) You "
    "are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or (iii) You have received the "
    "record from a covered entity or business associate as permitted by 45 CFR part "
    "164, subparts A and E. A general authorization for the release of medical or other "
    "information is NOT sufficient to meet the required elements of written consent to "
    "further use or redisclose the record (see 42 CFR 2.31)."
)

_STYLE = (
    "<style>body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;"
    "padding:.3rem;text-align:left;vertical-align:top}"
    ".notice{border:2px solid #333;padding:.8rem;background:#f4f4f4}</style>"
)
_CHECK_IN_COLUMNS = (
    ("created_at", "When"),
    ("mood", "Mood (0-10)"),
    ("craving", "Craving (0-10)"),
    ("sleep_hours", "Sleep (hours)"),
    ("sleep_quality", "Sleep quality"),
    ("medications", "Took medications"),
    ("used_since_last", "Used since last check-in"),
    ("substance", "Substance"),
    ("note", "Note"),
)
_SESSION_COLUMNS = (
    ("starts_at", "Starts"),
    ("ends_at", "Ends"),
    ("title", "Session"),
    ("kind", "Kind"),
    ("location", "Where"),
    ("facilitator", "Facilitator"),
    ("status", "Status"),
)
_PLAN_SECTIONS = (
    ("warning_signs", "Warning signs"),
    ("coping_strategies", "Things I can do on my own"),
    ("distractions", "People and places that distract me"),
    ("people_to_ask", "People I can ask for help"),
    ("professionals", "Professionals and crisis lines"),
    ("safe_environment", "Making my surroundings safer"),
)


# Secrets never leave in an export, whoever asks for one: a copy of my data is mine to
# keep, but the credentials that let this phone act for me at the clinic (access,
# refresh and family tokens), key material, the PIN and recovery codes are not part of
# it, and must never sit in a plain file. A field is secret when a word of its name
# says so (whole words: "coping" is not "pin"); every value found under such a field is
# also scrubbed wherever else it turns up (a token copied under an innocent name).
_SECRET_WORDS = frozenset({
    "token", "tokens", "secret", "secrets", "password", "passwords", "passphrase",
    "pin", "pins", "salt", "credential", "credentials", "kek", "dek", "mnemonic",
    "authorization", "bearer", "cookie",
})
# "<qualifier>_key" is key material ("data_key", "wrapped_key"); a bare "key" or
# "title_key" (a text's name) is not.
_KEY_QUALIFIERS = frozenset({
    "data", "wrapped", "wrapping", "private", "secret", "api", "store", "master",
    "encryption", "signing", "session", "access", "refresh", "platform", "recovery",
    "device", "family", "unlock", "hmac", "aes",
})
# "<qualifier>_code" is a single-use secret code ("recovery_code", "invite_code").
_CODE_QUALIFIERS = frozenset({
    "recovery", "enrolment", "enrollment", "invite", "invitation", "backup", "reset",
    "unlock", "verification", "one", "otp",
})
_RECOVERY_MATERIAL = frozenset({"phrase", "words", "code", "codes", "key", "secret"})
# Shorter values are too common to scrub as text (a PIN has at least 6 characters).
_MIN_SCRUBBED_LENGTH = 6
REMOVED = "[removed]"


def _words(name: str) -> list[str]:
    """The words of a field name: "refreshToken" and "refresh-token" -> refresh, token."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word for word in re.split(r"[^a-z0-9]+", spaced.lower()) if word]


def is_secret_name(name: object) -> bool:
    """Whether a field called `name` holds a credential, key material, a PIN or a
    recovery code."""
    words = _words(str(name))
    if any(word in _SECRET_WORDS for word in words):
        return True
    for before, word in pairwise(words):
        if word in ("key", "keys") and before in _KEY_QUALIFIERS:
            return True
        if word in ("code", "codes") and before in _CODE_QUALIFIERS:
            return True
        if before == "recovery" and word in _RECOVERY_MATERIAL:
            return True
    return False


def _secret_values(value: Any, under_secret: bool = False) -> Iterator[str]:
    """Every text held under a secret field, however deep."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _secret_values(item, under_secret or is_secret_name(key))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secret_values(item, under_secret)
    elif under_secret and isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value)
        if len(text) >= _MIN_SCRUBBED_LENGTH:
            yield text


def without_secrets(value: Any, also: tuple[str, ...] | list[str] = ()) -> Any:
    """`value` with every secret field left out, and every secret text found in it (or
    given in `also`) replaced by "[removed]" wherever else it appears."""
    known = sorted({*_secret_values(value),
                    *(text for text in also if len(text) >= _MIN_SCRUBBED_LENGTH)},
                   key=len, reverse=True)
    return _strip(value, known)


def _strip(value: Any, known: list[str]) -> Any:
    if isinstance(value, Mapping):
        return {_scrub(key, known) if isinstance(key, str) else key: _strip(item, known)
                for key, item in value.items() if not is_secret_name(key)}
    if isinstance(value, list | tuple):
        return [_strip(item, known) for item in value]
    if isinstance(value, str):
        return _scrub(value, known)
    return value


def _scrub(text: str, known: list[str]) -> str:
    for secret in known:
        if secret in text:
            text = text.replace(secret, REMOVED)
    return text


def build_export(
    *,
    exported_at: str,
    check_ins: list[dict[str, Any]],
    schedule: list[dict[str, Any]],
    safety_plan: dict[str, Any] | None,
    settings: dict[str, Any],
    unsynced_count: int,
    measures: list[dict[str, Any]] | None = None,
    relapse_plan: dict[str, Any] | None = None,
    lapse_reviews: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": exported_at,
        "notice": REDISCLOSURE_NOTICE,
        "check_ins": check_ins,
        "measures": measures or [],
        "safety_plan": safety_plan,
        "relapse_plan": relapse_plan,
        "lapse_reviews": lapse_reviews or [],
        "schedule": schedule,
        "settings": settings,
        "unsynced_count": unsynced_count,
    }


def render_html(export: Mapping[str, Any]) -> str:
    """A self-contained page; every value is HTML-escaped."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>My IOP Companion data</title>",
        _STYLE,
        "</head><body>",
        "<h1>My IOP Companion data</h1>",
        f"<p>Exported {_e(_when(export['exported_at']))}.</p>",
        _notice(export["notice"]),
        "<h2>Check-ins</h2>",
        _table(export["check_ins"], _CHECK_IN_COLUMNS),
        "<h2>Questionnaires</h2>",
        _table(export.get("measures", []), _MEASURE_COLUMNS),
        "<h2>Safety plan</h2>",
        _plan(export["safety_plan"]),
        "<h2>Relapse-prevention plan</h2>",
        _sections(export.get("relapse_plan"), _RELAPSE_PLAN_SECTIONS),
        "<h2>Looking back after a use</h2>",
        _table(export.get("lapse_reviews") or [], _LAPSE_REVIEW_COLUMNS),
        "<h2>Treatment goals</h2>",
        _goals(export.get("treatment_goals") or [], export.get("goal_ratings") or []),
        "<h2>Aftercare plan</h2>",
        _aftercare(export.get("aftercare_plan")),
        "<h2>My people</h2>",
        _table(export.get("people") or [], _PEOPLE_COLUMNS),
        "<h2>Program schedule</h2>",
        _table(export["schedule"], _SESSION_COLUMNS),
        "<h2>Practice sessions</h2>",
        _table(export.get("practice_sessions") or [], _PRACTICE_COLUMNS),
        "<h2>Diary cards</h2>",
        _table(_kept(export.get("diary_cards")), _DIARY_CARD_COLUMNS),
        "<h2>Thought records</h2>",
        _table(_kept(export.get("thought_records")), _THOUGHT_RECORD_COLUMNS),
        "<h2>Urge logs</h2>",
        _table(_kept(export.get("urge_logs")), _URGE_LOG_COLUMNS),
        "<h2>Notes (kept on this phone only)</h2>",
        _table(_kept(export.get("journal_notes")), _NOTE_COLUMNS),
    ]
    if export["unsynced_count"]:
        parts.append(
            f"<p>{int(export['unsynced_count'])} entries had not yet been sent to your "
            "program when this was exported.</p>"
        )
    parts += [_notice(export["notice"]), "</body></html>"]
    return "\n".join(parts)


_PRACTICE_COLUMNS = (("started_at", "Started"), ("exercise_id", "Exercise"),
                     ("planned_minutes", "Minutes planned"),
                     ("seconds_completed", "Seconds done"), ("ended_early", "Ended early"),
                     ("rating_kind", "Rated"), ("rating_before", "Before"),
                     ("rating_after", "After"))
_DIARY_CARD_COLUMNS = (("day", "Day"), ("urges", "Urges (0-5)"), ("targets", "Targets"),
                       ("emotions", "Emotions (0-5)"), ("skills", "Skills (0-7)"),
                       ("medications_taken", "Medications taken"), ("note", "Note"))
_THOUGHT_RECORD_COLUMNS = (("occurred_at", "When"), ("situation", "Situation"),
                           ("automatic_thought", "Automatic thought"),
                           ("emotions", "Emotions (0-100)"), ("evidence_for", "Evidence for"),
                           ("evidence_against", "Evidence against"),
                           ("thinking_traps", "Thinking traps"),
                           ("balanced_thought", "Balanced thought"),
                           ("emotions_after", "Emotions afterwards"))
_URGE_LOG_COLUMNS = (("occurred_at", "When"), ("intensity", "Strength (0-10)"),
                     ("trigger", "Trigger"), ("where", "Where"), ("with_whom", "With whom"),
                     ("skills_used", "Skills used"), ("what_i_did", "What I did"),
                     ("used", "Used"), ("intensity_after", "Strength afterwards"),
                     ("lasted_minutes", "Minutes it lasted"))
_NOTE_COLUMNS = (("written_at", "Written"), ("title", "Title"), ("text", "Note"))


def _kept(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Without the deleted ones (kept as tombstones only so that "Undo" can work)."""
    return [row for row in rows or [] if row.get("deleted") is not True]


_MEASURE_COLUMNS = (("created_at", "When"), ("measure", "Questionnaire"),
                    ("total", "Total"), ("band", "Range"))


def _notice(text: str) -> str:
    return f'<div class="notice"><strong>Notice:</strong> {_e(text)}</div>'


def _table(rows: list[dict[str, Any]], columns: tuple[tuple[str, str], ...]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{_e(label)}</th>" for _, label in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(_cell(row.get(name)))}</td>" for name, _ in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _plan(plan: dict[str, Any] | None) -> str:
    if not plan:
        return "<p>No safety plan saved.</p>"
    out = []
    if plan.get("most_important"):
        out.append(f"<p><strong>Most important to me:</strong> {_e(plan['most_important'])}</p>")
    for name, label in _PLAN_SECTIONS:
        items = plan.get(name) or []
        listed = "".join(f"<li>{_e(item)}</li>" for item in items) or "<li>(empty)</li>"
        out.append(f"<h3>{_e(label)}</h3><ul>{listed}</ul>")
    return "\n".join(out)


_RELAPSE_PLAN_SECTIONS = (
    ("triggers", "My triggers"),
    ("warning_signs_emotional", "Warning signs: feelings"),
    ("warning_signs_mental", "Warning signs: thoughts"),
    ("warning_signs_physical", "Warning signs: body"),
    ("high_risk_situations", "High-risk situations"),
    ("coping_strategies", "What helps me cope"),
    ("people_to_call", "People I can call"),
    ("reasons_for_recovery", "My reasons for recovery"),
)
_LAPSE_REVIEW_COLUMNS = (
    ("happened_on", "Day"),
    ("what_happened", "What happened"),
    ("what_helped", "What helped"),
    ("do_differently", "What I will do differently"),
    ("who_i_will_tell", "Who I will tell"),
)
_AFTERCARE_SECTIONS = (
    ("continuing_care", "Continuing care"),
    ("medication_follow_up", "Medication follow-up"),
    ("people_to_call", "People to call"),
    ("if_warning_signs_return", "If warning signs come back"),
)
_PEOPLE_COLUMNS = (("name", "Name"), ("kind", "Support person or professional"),
                   ("role", "Who they are to me"), ("phone", "Phone number"))
_GOAL_RATING_COLUMNS = (("week_of", "Week of"), ("rating", "Progress (0-10)"), ("note", "Note"))


def _sections(doc: Mapping[str, Any] | None, sections: tuple[tuple[str, str], ...]) -> str:
    """A plan's sections as headed lists ("None." when there is no plan)."""
    if not doc:
        return "<p>None.</p>"
    out = []
    for name, label in sections:
        items = doc.get(name) or []
        listed = "".join(f"<li>{_e(item)}</li>" for item in items) or "<li>(empty)</li>"
        out.append(f"<h3>{_e(label)}</h3><ul>{listed}</ul>")
    return "\n".join(out)


def _goals(goals: list[dict[str, Any]], ratings: list[dict[str, Any]]) -> str:
    if not goals:
        return "<p>None.</p>"
    out = []
    for goal in goals:
        steps = "".join(
            f"<li>{'[done] ' if step.get('done') else ''}{_e(step.get('text', ''))}</li>"
            for step in goal.get("steps") or [])
        own = [r for r in ratings if r.get("goal_id") == goal.get("id")]
        out.append(f"<h3>{_e(goal.get('title', ''))} ({_e(goal.get('status', ''))})</h3>"
                   + (f"<p>{_e(goal['why_it_matters'])}</p>" if goal.get("why_it_matters")
                      else "")
                   + (f"<ul>{steps}</ul>" if steps else "")
                   + (_table(own, _GOAL_RATING_COLUMNS) if own else ""))
    return "\n".join(out)


def _aftercare(plan: Mapping[str, Any] | None) -> str:
    if not plan:
        return "<p>None.</p>"
    meetings = "".join(
        f"<li>{_e(m.get('name', ''))}: {_e(m.get('weekday', ''))} {_e(m.get('time', ''))}"
        f"{(' at ' + _e(m['place'])) if m.get('place') else ''}</li>"
        for m in plan.get("support_meetings") or [])
    return (_sections(plan, _AFTERCARE_SECTIONS)
            + f"<h3>Support meetings</h3><ul>{meetings or '<li>(empty)</li>'}</ul>")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 25 and value[4] == "-" and value[10] == "T":
        return _when(value)
    if value == "not_applicable":
        return "not applicable"
    if isinstance(value, Mapping):  # e.g. a diary card's ratings: "sadness: 2; joy: 1"
        return "; ".join(f"{key.replace('_', ' ')}: {_cell(item)}" for key, item in value.items()
                         if _cell(item) != "")
    if isinstance(value, list):
        return "; ".join(_cell(item) for item in value)
    return str(value)


def _when(iso: str) -> str:
    """Show a stored timestamp in this phone's local time, with its offset."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M (UTC%z)")
    except ValueError:
        return iso


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)
