"""The Journal's entries, and a readable copy of a range of days to hand to someone.

`read_journal` gathers every kind of entry the Journal lists (check-ins, questionnaire
results, lapse reviews, diary cards, thought records, urge logs and notes), each with
the local day it belongs to: a diary card the day it is for, the others the day they
happened in the participant's time zone. `export_journal` is pure: those entries, a
range of days (both ends included) and the zone give a self-contained HTML page, by
day, oldest first, every time in that zone, with the 42 CFR Part 2 notice against
redisclosure (the same notice, style and box as the "My data" copy: store/export.py).

Every text the person wrote is HTML-escaped. Deleted entries are never in it. The page
is in the person's language (the notice stays in the federal rule's English). The bytes
go straight to the place the person picks in the system's save dialog; nothing plain is
kept on the phone.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from iop_companion.domain.coping_logs import DIARY_URGES, SKILLS, moment
from iop_companion.domain.lapse import LAPSE_REVIEW_FIELDS
from iop_companion.domain.measures import MeasureId
from iop_companion.i18n import Translator
from iop_companion.services.coping_logs import DIARY_CARD, THOUGHT_RECORD, URGE_LOG, logs
from iop_companion.services.journal_notes import NOTE, notes
from iop_companion.services.measures import SELF_REPORT_MEASURES
from iop_companion.services.my_data import ExportFile
from iop_companion.store import Store, StoreError
from iop_companion.store.export import _STYLE, REDISCLOSURE_NOTICE, _notice

CHECK_IN, MEASURE, LAPSE_REVIEW = "check_in", "measure", "lapse_review"
COPING_LOGS = (DIARY_CARD, THOUGHT_RECORD, URGE_LOG)
KINDS = (CHECK_IN, MEASURE, LAPSE_REVIEW, *COPING_LOGS, NOTE)

# The ranges offered with one tap (days up to and including today), the default first.
RANGE_CHOICES = (7, 30, 90)
DEFAULT_DAYS = RANGE_CHOICES[0]
# A year and a day: a range longer than this is refused (the page would be huge).
MAX_DAYS = 366
SCORE_MAX = {MeasureId.PHQ9.value: 27, MeasureId.GAD7.value: 21}
# Measures and lapse reviews read at most this many (years of weekly questionnaires).
_READ_MOST = 10_000
# The person's own words keep their line breaks.
_EXTRA_STYLE = ("<style>.text{white-space:pre-wrap}section{margin:0 0 1rem}"
                "h3{margin:.6rem 0 .2rem}p{margin:.2rem 0}</style>")
_SKILL_NAMES = {skill.id: skill.name for skill in SKILLS}


# ------------------------------------------------------------------------ the entries


@dataclass(frozen=True)
class JournalEntry:
    kind: str
    record: dict[str, Any]
    when: datetime     # when it happened (a diary card: when it was last saved)
    day: date          # the local day it is listed under

    @property
    def record_id(self) -> str:
        return str(self.record["id"])


def journal_entry(kind: str, record: dict[str, Any], zone: tzinfo) -> JournalEntry | None:
    """`record` as a Journal entry (None if it is deleted or has no usable time)."""
    if record.get("deleted") is True:
        return None
    stamp = (moment(record.get("written_at")) or moment(record.get("occurred_at"))
             or moment(record.get("created_at")))
    if kind == DIARY_CARD:
        stamp = moment(record.get("updated_at")) or stamp
        try:
            day = date.fromisoformat(str(record.get("day")))
        except ValueError:
            return None
        return JournalEntry(kind, record, stamp, day) if stamp is not None else None
    if stamp is None:
        return None
    return JournalEntry(kind, record, stamp, stamp.astimezone(zone).date())


def _safely(read: Callable[[], Iterable[dict[str, Any]]]) -> list[dict[str, Any]]:
    try:
        return list(read())
    except StoreError:
        return []


def read_journal(store: Store, zone: tzinfo) -> list[JournalEntry]:
    """Every entry on the phone, newest day first, newest first within a day."""
    found: list[JournalEntry | None] = []
    found += [journal_entry(CHECK_IN, r, zone) for r in _safely(store.check_ins.all)]
    found += [journal_entry(MEASURE, r, zone) for r in _safely(
        lambda: store.measures.list_recent(limit=_READ_MOST))]
    found += [journal_entry(LAPSE_REVIEW, r, zone) for r in _safely(
        lambda: store.lapse_reviews.list_recent(_READ_MOST))]
    for kind in COPING_LOGS:
        found += [journal_entry(kind, r, zone) for r in logs(store, kind)]
    found += [journal_entry(NOTE, r, zone) for r in notes(store)]
    entries = [entry for entry in found if entry is not None]
    entries.sort(key=lambda e: (e.day, e.when), reverse=True)
    return entries


# -------------------------------------------------------------------------- the range


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date  # included

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last


def last_days(today: date, days: int = DEFAULT_DAYS) -> DayRange:
    """The `days` days up to and including `today` (7: today and the 6 days before)."""
    return DayRange(today - timedelta(days=days - 1), today)


def range_problem(chosen: DayRange) -> str | None:
    """A translation key saying why the range cannot be exported, or None."""
    if chosen.first > chosen.last:
        return "journal_export.error.order"
    if chosen.days > MAX_DAYS:
        return "journal_export.error.too_long"
    return None


def in_range(entries: Iterable[JournalEntry], chosen: DayRange) -> list[JournalEntry]:
    """The live entries of those days, oldest first (as a page is read)."""
    found = [e for e in entries if chosen.holds(e.day) and e.record.get("deleted") is not True]
    found.sort(key=lambda e: (e.day, e.when, e.kind))
    return found


def file_name(chosen: DayRange) -> str:
    return f"iop-companion-journal-{chosen.first.isoformat()}-to-{chosen.last.isoformat()}.html"


# --------------------------------------------------------------------------- the page


def export_journal(entries: Iterable[JournalEntry], chosen: DayRange, zone: tzinfo,
                   translator: Translator, now: datetime, *,
                   target_labels: Mapping[str, str] | None = None) -> ExportFile:
    """The entries of `chosen` (both days included) as a readable page, every time in
    `zone`. `target_labels`: the care team's words for each diary-card target id
    (services.coping_logs.diary_setup). Raises ValueError for a range `range_problem`
    refuses."""
    problem = range_problem(chosen)
    if problem is not None:
        raise ValueError(problem)
    page = _Page(translator, zone, target_labels or {})
    shown = in_range(entries, chosen)
    return ExportFile(file_name(chosen), page.render(shown, chosen, now).encode("utf-8"))


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


class _Page:
    def __init__(self, translator: Translator, zone: tzinfo,
                 target_labels: Mapping[str, str]) -> None:
        self.tr = translator
        self.t = translator.t
        self.zone = zone
        self.target_labels = target_labels

    # ---------------------------------------------------------------- words

    def day(self, day: date) -> str:
        return self.t("journal_export.day", weekday=self.t(f"weekday.{day.weekday()}"),
                      month=self.t(f"month.{day.month}"), day=day.day, year=day.year)

    def time(self, when: datetime) -> str:
        local = when.astimezone(self.zone)
        if self.tr.locale == "en":
            hour = local.hour % 12 or 12
            return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
        return f"{local.hour}:{local.minute:02d}"

    def zone_name(self, now: datetime) -> str:
        key = getattr(self.zone, "key", None)
        offset = now.astimezone(self.zone).strftime("%z")
        spoken = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
        return f"{key} ({spoken})" if key else spoken

    def named(self, key: str, fallback: str) -> str:
        text = self.t(key)
        return fallback if text == key else text

    def skill(self, skill_id: Any) -> str:
        skill_id = str(skill_id)
        return self.named(f"coping.skill.{skill_id}", _SKILL_NAMES.get(skill_id, skill_id))

    def scale(self, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return self.t("journal.scale_answer", value=value)
        return self.t("journal.not_answered")

    # ---------------------------------------------------------------- html

    def render(self, shown: list[JournalEntry], chosen: DayRange, now: datetime) -> str:
        title = self.t("journal_export.title")
        parts = [
            "<!DOCTYPE html>",
            f'<html lang="{_e(self.tr.locale)}"><head><meta charset="utf-8">',
            f"<title>{_e(title)}</title>",
            _STYLE,
            _EXTRA_STYLE,
            "</head><body>",
            f"<h1>{_e(title)}</h1>",
            self.para(self.t("journal_export.range", first=self.day(chosen.first),
                             last=self.day(chosen.last))),
            self.para(self.t("journal_export.zone", zone=self.zone_name(now))),
            self.para(self.t("journal_export.made", count=len(shown), time=self.time(now),
                             when=self.day(now.astimezone(self.zone).date()))),
        ]
        parts += self.notice()
        if not shown:
            parts.append(f"<p>{_e(self.t('journal_export.nothing'))}</p>")
        day: date | None = None
        for entry in shown:
            if entry.day != day:
                if day is not None:
                    parts.append("</section>")
                day = entry.day
                parts.append(f"<section><h2>{_e(self.day(day))}</h2>")
            parts.append(self.entry(entry))
        if day is not None:
            parts.append("</section>")
        parts += self.notice()
        parts.append("</body></html>")
        return "\n".join(parts)

    def notice(self) -> list[str]:
        parts = []
        if self.tr.locale != "en":
            parts.append(f"<p>{_e(self.t('journal_export.notice_in_english'))}</p>")
        return [*parts, _notice(REDISCLOSURE_NOTICE)]

    def entry(self, entry: JournalEntry) -> str:
        record = entry.record
        when = self.time(entry.when)
        lines: list[str]
        if entry.kind == CHECK_IN:
            heading = self.t("coping.journal.kind.check_in", when=when)
            lines = self.check_in(record)
        elif entry.kind == MEASURE:
            name, lines = self.measure(record)
            heading = self.t("coping.journal.kind.measure", title=name, when=when)
        elif entry.kind == LAPSE_REVIEW:
            heading = self.t("coping.journal.kind.lapse_review", when=when)
            lines = [self.para(f"{self.t(f'lapse.field.{name}')} {record[name]}", words=True)
                     for name in LAPSE_REVIEW_FIELDS if record.get(name)]
        elif entry.kind == DIARY_CARD:
            heading, lines = self.t("journal_export.diary_card"), self.diary_card(record)
        elif entry.kind == THOUGHT_RECORD:
            heading = self.t("coping.journal.kind.thought_record", when=when)
            lines = self.thought_record(record)
        elif entry.kind == URGE_LOG:
            heading = self.t("coping.journal.kind.urge_log", when=when)
            lines = self.urge_log(record)
        elif entry.kind == NOTE:
            heading = self.t("coping.journal.kind.journal_note", when=when)
            lines = self.note(record)
        else:
            return ""
        return f"<article><h3>{_e(heading)}</h3>{''.join(lines)}</article>"

    def listed(self, key: str, items: Any) -> list[str]:
        items = [str(item) for item in items or [] if str(item).strip()]
        return [self.para(self.t(key, items=", ".join(items)))] if items else []

    @staticmethod
    def para(text: str, *, words: bool = False) -> str:
        """One paragraph; `words`: the person's own text, line breaks kept."""
        return f'<p class="text">{_e(text)}</p>' if words else f"<p>{_e(text)}</p>"

    def check_in(self, record: Mapping[str, Any]) -> list[str]:
        sleep, quality = record.get("sleep_hours"), record.get("sleep_quality")
        lines = [self.para(self.t(
            "journal.checkin_summary", mood=self.scale(record.get("mood")),
            craving=self.scale(record.get("craving")),
            sleep=f"{sleep:g}" if isinstance(sleep, (int, float)) else "–",
            quality=self.t(f"checkin.sleep.{quality}") if quality
            else self.t("journal.not_answered")))]
        if record.get("used_since_last"):
            lines.append(self.para(self.t("journal.used", substance=record.get("substance")
                                          or self.t("journal.used_unspecified"))))
        lines += self.listed("coping.journal.triggers", record.get("triggers"))
        lines += self.listed("coping.journal.warning_signs", record.get("warning_signs"))
        lines += self.listed("coping.journal.skills_used", record.get("skills_used"))
        if record.get("note"):
            lines.append(self.para(record["note"], words=True))
        return lines

    def measure(self, record: Mapping[str, Any]) -> tuple[str, list[str]]:
        measure = str(record.get("measure"))
        spec = next((s for m, s in SELF_REPORT_MEASURES.items() if m.value == measure), None)
        name = self.t(spec.title_key) if spec is not None else measure
        if measure == MeasureId.BAM.value:
            return name, [self.para(self.t("coping.journal.bam", use=record.get("use"),
                                           risk=record.get("risk"),
                                           protective=record.get("protective")))]
        return name, [self.para(self.t("coping.journal.score", score=record.get("total"),
                                       max=SCORE_MAX.get(measure, "?")))]

    def diary_card(self, card: Mapping[str, Any]) -> list[str]:
        lines: list[str] = []
        urges = card.get("urges") if isinstance(card.get("urges"), Mapping) else {}
        rated = []
        for name in DIARY_URGES:
            urge = urges.get(name) if isinstance(urges.get(name), Mapping) else {}
            if urge.get("rating") is not None:
                acted = self.t("coping.journal.acted") if urge.get("acted_on") else ""
                rated.append(f"{self.t(f'coping.diary.urge.{name}')} {urge['rating']}/5{acted}")
        if rated:
            lines.append(self.para(" · ".join(rated)))
        lines += self.targets(card.get("targets"))
        emotions = card.get("emotions") if isinstance(card.get("emotions"), Mapping) else {}
        if emotions:
            # Every emotion the card rated, the clinic's own ones too (named as kept).
            lines.append(self.para(" · ".join(
                f"{self.named(f'coping.emotion.{e}', str(e).replace('_', ' '))} {v}/5"
                for e, v in emotions.items())))
        skills = card.get("skills") if isinstance(card.get("skills"), Mapping) else {}
        if skills:
            lines.append(self.para(self.t("coping.journal.skills", items=", ".join(
                f"{self.skill(s)} {v}/7" for s, v in skills.items()))))
        if card.get("medications_taken"):
            lines.append(self.para(self.t("coping.journal.medications", answer=self.t(
                f"coping.medications.{card['medications_taken']}"))))
        if card.get("note"):
            lines.append(self.para(card["note"], words=True))
        return lines or [self.para(self.t("coping.journal.nothing_rated"))]

    def targets(self, targets: Any) -> list[str]:
        """The care team's targets rated on the card, in their words."""
        rated = []
        for target_id, answer in (targets.items() if isinstance(targets, Mapping) else ()):
            if not isinstance(answer, Mapping) or answer.get("rating") is None:
                continue
            label = (self.target_labels.get(target_id)
                     or self.t("coping.journal.target_unnamed"))
            acted = self.t("coping.journal.acted") if answer.get("acted_on") else ""
            rated.append(f"{label} {answer['rating']}/5{acted}")
        return [self.para(self.t("coping.journal.targets", items=" · ".join(rated)))] \
            if rated else []

    def thought_record(self, record: Mapping[str, Any]) -> list[str]:
        def rated(items: Any) -> str:
            return ", ".join(f"{e.get('name')} {e.get('intensity')}%" for e in items or []
                             if isinstance(e, Mapping))

        lines = [self.para(record.get("situation", ""), words=True),
                 self.para(self.t("coping.journal.thought",
                                  thought=record.get("automatic_thought", "")), words=True)]
        if rated(record.get("emotions")):
            lines.append(self.para(self.t("coping.journal.emotions",
                                          items=rated(record.get("emotions")))))
        for name, key in (("evidence_for", "journal_export.evidence_for"),
                          ("evidence_against", "journal_export.evidence_against")):
            if record.get(name):
                lines.append(self.para(self.t(key, text=record[name]), words=True))
        if record.get("thinking_traps"):
            lines.append(self.para(self.t("coping.journal.traps", items=", ".join(
                self.named(f"coping.trap.{trap}", str(trap))
                for trap in record["thinking_traps"]))))
        if record.get("balanced_thought"):
            lines.append(self.para(self.t("coping.journal.balanced",
                                          thought=record["balanced_thought"]), words=True))
        if rated(record.get("emotions_after")):
            lines.append(self.para(self.t("coping.journal.after",
                                          items=rated(record.get("emotions_after")))))
        return lines

    def urge_log(self, log: Mapping[str, Any]) -> list[str]:
        trigger = log.get("trigger") if isinstance(log.get("trigger"), Mapping) else {}
        summary = self.t("coping.journal.urge", intensity=log.get("intensity"))
        if log.get("intensity_after") is not None:
            summary += " " + self.t("coping.journal.urge_after", after=log["intensity_after"])
        lines = [self.para(summary)]
        if trigger.get("category") or trigger.get("detail"):
            category = (self.t(f"coping.trigger.{trigger['category']}")
                        if trigger.get("category") else "")
            lines.append(self.para(self.t("coping.journal.trigger", trigger=" – ".join(
                part for part in (category, trigger.get("detail") or "") if part))))
        for name in ("where", "with_whom"):
            if log.get(name):
                lines.append(self.para(self.t(f"journal_export.{name}", text=log[name])))
        if log.get("skills_used"):
            lines.append(self.para(self.t("coping.journal.skills", items=", ".join(
                self.skill(s) for s in log["skills_used"]))))
        if log.get("what_i_did"):
            lines.append(self.para(log["what_i_did"], words=True))
        lines.append(self.para(self.t("coping.journal.used_yes" if log.get("used")
                                      else "coping.journal.used_no")))
        if log.get("lasted_minutes") is not None:
            lines.append(self.para(self.t("journal_export.lasted",
                                          minutes=log["lasted_minutes"])))
        return lines

    def note(self, record: Mapping[str, Any]) -> list[str]:
        lines = []
        if record.get("title"):
            lines.append(f"<p><strong>{_e(record['title'])}</strong></p>")
        lines.append(self.para(record.get("text", ""), words=True))
        return lines
