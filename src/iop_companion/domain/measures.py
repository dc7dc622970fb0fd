"""Standard check-in measures: PHQ-9, GAD-7 and the Brief Addiction Monitor. Pure functions.

What is scored, and how
-----------------------
PHQ-9 (low mood): 9 items, each 0-3 over the last two weeks, total 0-27. Bands:
0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe. Item 9 asks
about thoughts of being better off dead or of self-harm; ANY answer above 0 starts the
safety flow whatever the total (that rule lives in `domain/safety.py`).
LOINC: panel 44249-1, total score 44261-6.
Source: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression
severity measure. J Gen Intern Med. 2001;16(9):606-613.

GAD-7 (worry): 7 items, each 0-3 over the last two weeks, total 0-21. Bands: 0-4 minimal,
5-9 mild, 10-14 moderate, 15-21 severe; 10 or more warrants further evaluation.
LOINC: panel 69737-5, total score 70274-6.
Source: Spitzer RL, Kroenke K, Williams JBW, Lowe B. A brief measure for assessing
generalized anxiety disorder: the GAD-7. Arch Intern Med. 2006;166(10):1092-1097.

BAM (Brief Addiction Monitor, US Department of Veterans Affairs): 17 items on the past
30 days. There is NO total score: report the subscales and the individual items.
  Use        = items 4 + 5 + 6              (0-12, higher = more use)
  Risk       = items 1, 2, 3, 8, 11, 15     (0-24, higher = more risk)
  Protective = items 9, 10, 12, 13, 14, 16  (0-24, higher = more protection)
  Item 7 is not scored; item 17 (satisfaction with recovery progress) is on no subscale.
Source: Cacciola JS, Alterman AI, DePhilippis D, et al. Development and initial evaluation
of the Brief Addiction Monitor (BAM). J Subst Abuse Treat. 2013;44(3):256-263.
Item wording and response ranges: the VA clinical BAM form (VISN 4 MIRECC; reproduced in
the VA/CESATE "BAM Manual for Use in SUD Group Treatment", 2014). Subscale membership
matches /work/shared/reference/clinical.md.

BAM response ranges as published on the VA form (each stored as its 0-4 code):
  * Days items 2, 3, 4, 5, 6, 10, 11, 13, 16: 0 = none, 1 = 1-3, 2 = 4-8, 3 = 9-15,
    4 = 16-30 days (item 2 counts nights).
  * Item 1, physical health: 0 = excellent, 1 = very good, 2 = good, 3 = fair, 4 = poor
    (scored so that higher means more risk, like the other risk items).
  * Extent items 8, 9, 12, 15, 17: 0 = not at all, 1 = slightly, 2 = moderately,
    3 = considerably, 4 = extremely.
  * Item 14, enough legal income for necessities: No = 0, Yes = 4. Only 0 and 4 are valid.
  * Item 7 is seven sub-questions (7A-7G: marijuana, sedatives/tranquilisers,
    cocaine/crack, other stimulants, opioids, inhalants, other drugs), each a days code
    0-4, asked only when item 6 is above 0. It elaborates item 6 and is never summed.
  * Skip rules on the form: item 4 = 0 skips item 5; item 6 = 0 skips item 7.

Assumptions (not in clinical.md; flagged for clinical review):
  * The app uses the VA form's 5-option coding above. Cacciola 2013 validated an earlier
    version whose items were raw counts (0-30 days); the subscale sums here follow the VA
    scoring of the 0-4 codes.
  * Item 14 is scored Yes = 4, No = 0, as on the VA scoring sheet and in secondary scoring
    guides; clinical.md does not give it.
  * Item 7 is passed as a mapping {substance id: days code}; a substance left out counts as
    0 days. When item 6 is 0 every item-7 code must be 0 (the form skips it).
  * Item 5 (heavy-drinking days) may not exceed item 4 (any-drinking days): the bins are
    the same, so a higher code for item 5 is a data-entry error, not an answer.

Wording: every text is a translation key (English in assets/locales/en.json).
The item texts there are our own plain-language paraphrases, not the published wording,
and result texts describe answers kindly without diagnostic language: a questionnaire
score is not a diagnosis, and the care team interprets it.

Errors: `MeasureError(field, reason)` names only the field and a fixed reason code, never
the submitted value; answers are health information and error text ends up in logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

# --- LOINC codes ------------------------------------------------------------------------

PHQ9_LOINC_PANEL = "44249-1"
PHQ9_LOINC_TOTAL = "44261-6"
GAD7_LOINC_PANEL = "69737-5"
GAD7_LOINC_TOTAL = "70274-6"


# --- errors -----------------------------------------------------------------------------

class MeasureError(ValueError):
    """A submitted set of answers cannot be scored.

    `field` is "answers" or "item_<n>"; `reason` is one of the fixed codes below. The
    message is built from those two alone so no answer value can leak into a log.
    """

    WRONG_COUNT = "wrong_count"
    NOT_A_SEQUENCE = "not_a_sequence"
    MISSING = "missing"
    NOT_AN_INTEGER = "not_an_integer"
    OUT_OF_RANGE = "out_of_range"
    NOT_A_MAPPING = "not_a_mapping"
    UNKNOWN_SUBSTANCE = "unknown_substance"
    INCONSISTENT = "inconsistent"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --- specs: what the UI shows -------------------------------------------------------------

class MeasureId(str, Enum):
    PHQ9 = "phq9"
    GAD7 = "gad7"
    BAM = "bam"


class ItemKind(str, Enum):
    SINGLE_CHOICE = "single_choice"
    # BAM item 7: one days code per substance.
    SUBSTANCE_DAYS = "substance_days"


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label_key: str


@dataclass(frozen=True)
class MeasureItem:
    number: int
    text_key: str
    options: tuple[AnswerOption, ...]
    kind: ItemKind = ItemKind.SINGLE_CHOICE
    # Item numbers the form skips (and scores 0) when this item is answered 0.
    skips_when_zero: tuple[int, ...] = ()


@dataclass(frozen=True)
class MeasureSpec:
    id: MeasureId
    title_key: str
    instructions_key: str
    items: tuple[MeasureItem, ...]
    loinc_panel: str | None = None
    loinc_total: str | None = None


def _options(prefix: str, values: Sequence[int]) -> tuple[AnswerOption, ...]:
    return tuple(AnswerOption(v, f"{prefix}.{v}") for v in values)


# PHQ-9 and GAD-7 share the same four "how often, last two weeks" answers.
FREQUENCY_OPTIONS = _options("measures.option.frequency", range(4))
BAM_DAYS_OPTIONS = _options("measures.option.days", range(5))
BAM_HEALTH_OPTIONS = _options("measures.option.health", range(5))
BAM_EXTENT_OPTIONS = _options("measures.option.extent", range(5))
BAM_YES_NO_OPTIONS = (AnswerOption(0, "measures.option.no"), AnswerOption(4, "measures.option.yes"))

PHQ9_ITEM_COUNT = 9
GAD7_ITEM_COUNT = 7
BAM_ITEM_COUNT = 17

PHQ9 = MeasureSpec(
    id=MeasureId.PHQ9,
    title_key="measures.phq9.title",
    instructions_key="measures.phq9.instructions",
    items=tuple(MeasureItem(n, f"measures.phq9.item.{n}", FREQUENCY_OPTIONS)
                for n in range(1, PHQ9_ITEM_COUNT + 1)),
    loinc_panel=PHQ9_LOINC_PANEL,
    loinc_total=PHQ9_LOINC_TOTAL,
)

GAD7 = MeasureSpec(
    id=MeasureId.GAD7,
    title_key="measures.gad7.title",
    instructions_key="measures.gad7.instructions",
    items=tuple(MeasureItem(n, f"measures.gad7.item.{n}", FREQUENCY_OPTIONS)
                for n in range(1, GAD7_ITEM_COUNT + 1)),
    loinc_panel=GAD7_LOINC_PANEL,
    loinc_total=GAD7_LOINC_TOTAL,
)

# Item 7 sub-questions 7A-7G, in the form's order.
BAM_SUBSTANCES: tuple[str, ...] = (
    "marijuana", "sedatives", "cocaine", "stimulants", "opioids", "inhalants", "other",
)


def bam_substance_key(substance: str) -> str:
    return f"measures.bam.substance.{substance}"


_BAM_OPTIONS: dict[int, tuple[AnswerOption, ...]] = {
    1: BAM_HEALTH_OPTIONS,
    **{n: BAM_DAYS_OPTIONS for n in (2, 3, 4, 5, 6, 7, 10, 11, 13, 16)},
    **{n: BAM_EXTENT_OPTIONS for n in (8, 9, 12, 15, 17)},
    14: BAM_YES_NO_OPTIONS,
}

BAM = MeasureSpec(
    id=MeasureId.BAM,
    title_key="measures.bam.title",
    instructions_key="measures.bam.instructions",
    items=tuple(
        MeasureItem(
            n, f"measures.bam.item.{n}", _BAM_OPTIONS[n],
            kind=ItemKind.SUBSTANCE_DAYS if n == 7 else ItemKind.SINGLE_CHOICE,
            skips_when_zero={4: (5,), 6: (7,)}.get(n, ()),
        )
        for n in range(1, BAM_ITEM_COUNT + 1)
    ),
)

BAM_USE_ITEMS = (4, 5, 6)
BAM_RISK_ITEMS = (1, 2, 3, 8, 11, 15)
BAM_PROTECTIVE_ITEMS = (9, 10, 12, 13, 14, 16)
BAM_SUBSTANCE_ITEM = 7
BAM_PROGRESS_ITEM = 17

# Labels for reporting a BamResult: the three subscales and the standalone item 17.
BAM_SUBSCALE_KEYS: dict[str, str] = {
    "use": "measures.bam.subscale.use",
    "risk": "measures.bam.subscale.risk",
    "protective": "measures.bam.subscale.protective",
    "progress": "measures.bam.subscale.progress",
}

SPECS: dict[MeasureId, MeasureSpec] = {MeasureId.PHQ9: PHQ9, MeasureId.GAD7: GAD7,
                                       MeasureId.BAM: BAM}


# --- results --------------------------------------------------------------------------------

class Band(str, Enum):
    MINIMAL = "minimal"
    MILD = "mild"
    MODERATE = "moderate"
    MODERATELY_SEVERE = "moderately_severe"  # PHQ-9 only
    SEVERE = "severe"


@dataclass(frozen=True)
class Phq9Result:
    items: tuple[int, ...]
    total: int
    band: Band

    @property
    def item9(self) -> int:
        return self.items[8]


@dataclass(frozen=True)
class Gad7Result:
    items: tuple[int, ...]
    total: int
    band: Band
    further_evaluation: bool


@dataclass(frozen=True)
class BamResult:
    """Item codes and subscales. Deliberately no `total`: the BAM has none."""

    items: dict[int, int]  # item number -> 0-4 code, for every item but 7
    substances: dict[str, int]  # item 7: substance id -> days code, all of BAM_SUBSTANCES
    use: int
    risk: int
    protective: int

    @property
    def progress(self) -> int:
        return self.items[BAM_PROGRESS_ITEM]


# --- validation -------------------------------------------------------------------------------

def _answer_list(answers: object, count: int) -> list[object]:
    # A str is a Sequence too, but "012..." is never a valid set of answers.
    if not isinstance(answers, Sequence) or isinstance(answers, (str, bytes, bytearray)):
        raise MeasureError("answers", MeasureError.NOT_A_SEQUENCE)
    if len(answers) != count:
        raise MeasureError("answers", MeasureError.WRONG_COUNT)
    return list(answers)


def _code(value: object, field_name: str, allowed: Sequence[int]) -> int:
    if value is None:
        raise MeasureError(field_name, MeasureError.MISSING)
    # bool is an int subclass; True must not pass for 1. Floats (2.5, NaN, even 2.0) are
    # refused rather than rounded: a UI bug should surface, not be scored.
    if isinstance(value, bool) or not isinstance(value, int):
        raise MeasureError(field_name, MeasureError.NOT_AN_INTEGER)
    if value not in allowed:
        raise MeasureError(field_name, MeasureError.OUT_OF_RANGE)
    return value


def _frequency_items(answers: object, count: int) -> tuple[int, ...]:
    values = _answer_list(answers, count)
    return tuple(_code(v, f"item_{n}", range(4)) for n, v in enumerate(values, start=1))


# --- scoring ----------------------------------------------------------------------------------

def phq9_band(total: int) -> Band:
    if total <= 4:
        return Band.MINIMAL
    if total <= 9:
        return Band.MILD
    if total <= 14:
        return Band.MODERATE
    if total <= 19:
        return Band.MODERATELY_SEVERE
    return Band.SEVERE


def gad7_band(total: int) -> Band:
    if total <= 4:
        return Band.MINIMAL
    if total <= 9:
        return Band.MILD
    if total <= 14:
        return Band.MODERATE
    return Band.SEVERE


GAD7_FURTHER_EVALUATION_AT = 10


def score_phq9(answers: Sequence[int]) -> Phq9Result:
    items = _frequency_items(answers, PHQ9_ITEM_COUNT)
    total = sum(items)
    return Phq9Result(items=items, total=total, band=phq9_band(total))


def score_gad7(answers: Sequence[int]) -> Gad7Result:
    items = _frequency_items(answers, GAD7_ITEM_COUNT)
    total = sum(items)
    return Gad7Result(items=items, total=total, band=gad7_band(total),
                      further_evaluation=total >= GAD7_FURTHER_EVALUATION_AT)


def _substances(value: object, any_drug_days: int) -> dict[str, int]:
    field_name = f"item_{BAM_SUBSTANCE_ITEM}"
    if value is None:
        raise MeasureError(field_name, MeasureError.MISSING)
    if not isinstance(value, Mapping):
        raise MeasureError(field_name, MeasureError.NOT_A_MAPPING)
    # Field stays "item_7" for every sub-question: which substance is itself an answer.
    if any(key not in BAM_SUBSTANCES for key in value):
        raise MeasureError(field_name, MeasureError.UNKNOWN_SUBSTANCE)
    codes = {s: _code(value.get(s, 0), field_name, range(5)) for s in BAM_SUBSTANCES}
    if any_drug_days == 0 and any(codes.values()):
        raise MeasureError(field_name, MeasureError.INCONSISTENT)
    return codes


def score_bam(answers: Sequence[int | Mapping[str, int]]) -> BamResult:
    """Score 17 BAM answers in item order; answers[6] (item 7) is a substance mapping."""
    values = _answer_list(answers, BAM_ITEM_COUNT)
    items: dict[int, int] = {}
    for number, value in enumerate(values, start=1):
        if number == BAM_SUBSTANCE_ITEM:
            continue
        allowed = [option.value for option in _BAM_OPTIONS[number]]
        items[number] = _code(value, f"item_{number}", allowed)
    if items[5] > items[4]:
        raise MeasureError("item_5", MeasureError.INCONSISTENT)
    substances = _substances(values[BAM_SUBSTANCE_ITEM - 1], items[6])
    return BamResult(
        items=items,
        substances=substances,
        use=sum(items[n] for n in BAM_USE_ITEMS),
        risk=sum(items[n] for n in BAM_RISK_ITEMS),
        protective=sum(items[n] for n in BAM_PROTECTIVE_ITEMS),
    )


def result_summary_key(result: Phq9Result | Gad7Result | BamResult) -> str:
    """Translation key of the kind, plain-language sentence shown after a measure.

    For PHQ-9 the safety flow (item 9) is decided separately and shows first.
    """
    if isinstance(result, Phq9Result):
        return f"measures.phq9.band.{result.band.value}"
    if isinstance(result, Gad7Result):
        return f"measures.gad7.band.{result.band.value}"
    if isinstance(result, BamResult):
        # Any use gets a no-shame note (see "Lapses" in the clinical reference); the BAM
        # has no published bands, so there is nothing else to grade.
        if result.use > 0:
            return "measures.bam.result.use_reported"
        return "measures.bam.result.summary"
    raise TypeError("Unknown measure result type.")


# --- schedules --------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeasureSchedule:
    """How often a measure is offered. A clinic may override `interval_days`."""

    measure: MeasureId
    interval_days: int

    def __post_init__(self) -> None:
        if isinstance(self.interval_days, bool) or not isinstance(self.interval_days, int) \
                or self.interval_days < 1:
            raise ValueError("interval_days must be a whole number of days, at least 1.")

    def due_at(self, last_completed: datetime) -> datetime:
        """When the measure is next due, at the same wall-clock time `interval_days` later.

        Days are calendar days in `last_completed`'s own time zone, so a Monday 9:00 check-in
        is due again on a Monday at 9:00 even across a DST change (pass times in the
        participant's zone; a UTC time gives exact 24-hour days). A wall time that falls in
        a spring-forward gap resolves with the pre-change offset, i.e. an hour later.
        """
        _require_aware(last_completed, "last_completed")
        return last_completed + timedelta(days=self.interval_days)

    def is_due(self, last_completed: datetime | None, now: datetime) -> bool:
        _require_aware(now, "now")
        if last_completed is None:
            return True
        # Compare in UTC: Python compares datetimes sharing a tzinfo by wall clock alone,
        # which is wrong inside the repeated hour when clocks go back.
        return now.astimezone(UTC) >= self.due_at(last_completed).astimezone(UTC)


def _require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a time-zone-aware datetime.")


DEFAULT_INTERVAL_DAYS: dict[MeasureId, int] = {
    MeasureId.PHQ9: 14,
    MeasureId.GAD7: 14,
    # Weekly: weekly BAM answers predicted next-week relapse in the CHESS studies.
    MeasureId.BAM: 7,
}

DEFAULT_SCHEDULES: dict[MeasureId, MeasureSchedule] = {
    measure: MeasureSchedule(measure, days) for measure, days in DEFAULT_INTERVAL_DAYS.items()
}


def schedule_for(measure: MeasureId, clinic_interval_days: int | None = None) -> MeasureSchedule:
    """The default schedule, or the clinic's own interval when it set one."""
    if clinic_interval_days is None:
        return DEFAULT_SCHEDULES[measure]
    return MeasureSchedule(measure, clinic_interval_days)
