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
30 days (7 when given weekly: see "Recall window" below). There is NO total score: report
the subscales and the individual items.
  Use        = items 4 + 5 + 6              (0-12, higher = more use; 0-6 in a week)
  Risk       = items 1, 2, 3, 8, 11, 15     (0-24, higher = more risk; 0-18 in a week)
  Protective = items 9, 10, 12, 13, 14, 16  (0-24, higher = more protection; 0-18 in a week)
  Item 7 is not scored; item 17 (satisfaction with recovery progress) is on no subscale.
Source: Cacciola JS, Alterman AI, DePhilippis D, et al. Development and initial evaluation
of the Brief Addiction Monitor (BAM). J Subst Abuse Treat. 2013;44(3):256-263.
Item wording and response ranges: the VA clinical BAM form (VISN 4 MIRECC; reproduced in
the VA/CESATE "BAM Manual for Use in SUD Group Treatment", 2014). Subscale membership
matches /work/shared/reference/clinical.md.

BAM response ranges as published on the VA form (each stored as its 0-4 code):
  * Days items 2, 3, 4, 5, 6, 10, 11, 13, 16: 0 = 0 days, 1 = 1-3 days, 2 = 4-8 days,
    3 = 9-15 days, 4 = 16-30 days (item 2 counts nights).
  * Item 1, physical health: 0 = excellent, 1 = very good, 2 = good, 3 = fair, 4 = poor
    (scored so that higher means more risk, like the other risk items).
  * Extent items 8, 9, 12, 15, 17: 0 = not at all, 1 = slightly, 2 = moderately,
    3 = considerably, 4 = extremely.
  * Item 14, enough legal income for necessities: No = 0, Yes = 4. Only 0 and 4 are valid.
  * Item 7 is seven sub-questions (7A-7G: marijuana, sedatives/tranquilisers,
    cocaine/crack, other stimulants, opioids, inhalants, other drugs), each a days code
    0-4, asked only when item 6 is above 0. It elaborates item 6 and is never summed.
  * Skip rules on the form: item 4 = 0 skips item 5; item 6 = 0 skips item 7.
  * Item 5 asks about days with 5 or more drinks (men) or 4 or more (women) and defines a
    drink: a 12-oz beer, a 5-oz glass of wine, a 1.5-oz shot of liquor.

Recall window (clinical.md: a weekly BAM asks about the past 7 days, so one use is not
counted in four weekly results). `bam_recall_days(interval)`: a BAM given every 30 days
or more asks about the past 30 days, with the form's own answers; any shorter interval
(the app's default is weekly) asks about the past 7 days. The window is said in every
timed item ("In the past 7 days, ...") and above the questions. Item 9 looks forward
("the next 30 days") and keeps the form's wording.
Day counts in the 7-day window keep the published codes and their day ranges, cut to
what fits in 7 days: 0 = 0 days, 1 = 1-3 days, 2 = 4-7 days (the form's 4-8, which cannot
reach 8 in a week). Codes 3 (9-15) and 4 (16-30) cannot happen in 7 days, so they are
not offered and are refused. A code therefore always means the same number of days as on
the form; what changes is the window, which travels with the result (`recall_days`), and
the subscale maxima (`bam_subscale_max`: use 6, risk 18, protective 18 for a week).
We chose this over rescaling the five codes onto 0-7 days (e.g. 0 / 1 / 2 / 3-4 / 5-7),
which would invent cut-points no one validated and give a code a new meaning.

Assumptions (not in clinical.md; flagged for clinical review):
  * The app uses the VA form's 5-option coding above. Cacciola 2013 validated an earlier
    version whose items were raw counts (0-30 days); the subscale sums here follow the VA
    scoring of the 0-4 codes.
  * Item 14 is scored Yes = 4, No = 0, as on the VA scoring sheet and in secondary scoring
    guides.
  * Item 7 is passed as a mapping {substance id: days code}; a substance left out counts as
    0 days. No substance can have more days than item 6 (days of any drug use): the same
    bins, so a higher code is a data-entry error, not an answer (when item 6 is 0 every
    item-7 code must be 0: the form skips it).
  * Item 5 (heavy-drinking days) may not exceed item 4 (any-drinking days), for the same
    reason.

Wording. Text a person reads is a translation key. The instruments' own text (PHQ-9 and
GAD-7 instructions, items, answers and the difficulty question; the BAM's items,
substances and answers) uses keys under "instrument.", which the translator always
resolves in English (i18n.ENGLISH_ONLY_PREFIX): these scales are valid only as published,
and we hold no published Spanish text, so a Spanish screen shows the English instrument
with a one-line note in Spanish, never a translation of our own. The PHQ-9 and GAD-7
text is the published wording, verbatim (clinical.md, "Published wording"). The BAM's
items other than item 5 are plain-language renderings of the VA form's items with its
recall window. Titles, result texts and messages are the app's own and are translated;
result texts describe answers kindly without diagnostic language: a questionnaire score
is not a diagnosis, and the care team interprets it.

The difficulty question of the PHQ-9 and GAD-7 ("item 10") is optional and never scored:
`difficulty_code` checks it, and it is kept and sent beside the result.

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

    `field` is "answers", "item_<n>", "difficulty" or "recall_days"; `reason` is one of
    the fixed codes below. The message is built from those two alone so no answer value
    can leak into a log.
    """

    WRONG_COUNT = "wrong_count"
    NOT_A_SEQUENCE = "not_a_sequence"
    MISSING = "missing"
    NOT_AN_INTEGER = "not_an_integer"
    OUT_OF_RANGE = "out_of_range"
    NOT_A_MAPPING = "not_a_mapping"
    UNKNOWN_SUBSTANCE = "unknown_substance"
    INCONSISTENT = "inconsistent"
    NOT_ASKED = "not_asked"

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
    # PHQ-9 and GAD-7: the unscored, optional difficulty question after the items.
    difficulty: MeasureItem | None = None
    # BAM: the days its timed items ask about (7 or 30); the text keys take it as {days}.
    recall_days: int | None = None


# Keys of an instrument's own text start with this; the translator resolves them in
# English whatever the language (see the module docstring and i18n.ENGLISH_ONLY_PREFIX).
INSTRUMENT_KEY_PREFIX = "instrument."


def _options(prefix: str, values: Sequence[int]) -> tuple[AnswerOption, ...]:
    return tuple(AnswerOption(v, f"{prefix}.{v}") for v in values)


# PHQ-9 and GAD-7 share the same four "how often, last 2 weeks" answers, and the same
# unscored difficulty question with its four answers.
FREQUENCY_OPTIONS = _options("instrument.frequency", range(4))
DIFFICULTY_OPTIONS = _options("instrument.difficulty", range(4))
DIFFICULTY_ITEM_NUMBER = 10  # printed unnumbered under the items; "item 10" by convention
DIFFICULTY = MeasureItem(DIFFICULTY_ITEM_NUMBER, "instrument.difficulty.question",
                         DIFFICULTY_OPTIONS)

# BAM answers, as labelled on the VA form. Day counts depend on the recall window.
BAM_DAYS_OPTIONS = _options("instrument.bam.days", range(5))  # the form's 30 days
BAM_WEEK_DAYS_OPTIONS = (AnswerOption(0, "instrument.bam.days.0"),
                         AnswerOption(1, "instrument.bam.days.1"),
                         AnswerOption(2, "instrument.bam.days.2_in_7"))
BAM_HEALTH_OPTIONS = _options("instrument.bam.health", range(5))
BAM_EXTENT_OPTIONS = _options("instrument.bam.extent", range(5))
BAM_YES_NO_OPTIONS = (AnswerOption(0, "instrument.bam.no"),
                      AnswerOption(4, "instrument.bam.yes"))

PHQ9_ITEM_COUNT = 9
GAD7_ITEM_COUNT = 7
BAM_ITEM_COUNT = 17

PHQ9 = MeasureSpec(
    id=MeasureId.PHQ9,
    title_key="measures.phq9.title",
    instructions_key="instrument.phq9.instructions",
    items=tuple(MeasureItem(n, f"instrument.phq9.item.{n}", FREQUENCY_OPTIONS)
                for n in range(1, PHQ9_ITEM_COUNT + 1)),
    loinc_panel=PHQ9_LOINC_PANEL,
    loinc_total=PHQ9_LOINC_TOTAL,
    difficulty=DIFFICULTY,
)

GAD7 = MeasureSpec(
    id=MeasureId.GAD7,
    title_key="measures.gad7.title",
    instructions_key="instrument.gad7.instructions",
    items=tuple(MeasureItem(n, f"instrument.gad7.item.{n}", FREQUENCY_OPTIONS)
                for n in range(1, GAD7_ITEM_COUNT + 1)),
    loinc_panel=GAD7_LOINC_PANEL,
    loinc_total=GAD7_LOINC_TOTAL,
    difficulty=DIFFICULTY,
)

# Item 7 sub-questions 7A-7G, in the form's order.
BAM_SUBSTANCES: tuple[str, ...] = (
    "marijuana", "sedatives", "cocaine", "stimulants", "opioids", "inhalants", "other",
)


def bam_substance_key(substance: str) -> str:
    return f"instrument.bam.substance.{substance}"


BAM_DAYS_ITEMS = (2, 3, 4, 5, 6, 7, 10, 11, 13, 16)
BAM_EXTENT_ITEMS = (8, 9, 12, 15, 17)

# The form's own window, and the weekly one (clinical.md).
BAM_FORM_RECALL_DAYS = 30
BAM_WEEKLY_RECALL_DAYS = 7
BAM_RECALL_WINDOWS = (BAM_WEEKLY_RECALL_DAYS, BAM_FORM_RECALL_DAYS)


def bam_recall_days(interval_days: int) -> int:
    """The days a BAM given every `interval_days` asks about: the form's 30 from a
    30-day interval up, else 7 (the app gives it weekly by default)."""
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) \
            or interval_days < 1:
        raise ValueError("interval_days must be a whole number of days, at least 1.")
    return BAM_FORM_RECALL_DAYS if interval_days >= BAM_FORM_RECALL_DAYS \
        else BAM_WEEKLY_RECALL_DAYS


def _bam_options(recall_days: int) -> dict[int, tuple[AnswerOption, ...]]:
    days = BAM_WEEK_DAYS_OPTIONS if recall_days == BAM_WEEKLY_RECALL_DAYS \
        else BAM_DAYS_OPTIONS
    return {
        1: BAM_HEALTH_OPTIONS,
        **{n: days for n in BAM_DAYS_ITEMS},
        **{n: BAM_EXTENT_OPTIONS for n in BAM_EXTENT_ITEMS},
        14: BAM_YES_NO_OPTIONS,
    }


def _check_recall_days(recall_days: object) -> int:
    if isinstance(recall_days, bool) or not isinstance(recall_days, int):
        raise MeasureError("recall_days", MeasureError.NOT_AN_INTEGER)
    if recall_days not in BAM_RECALL_WINDOWS:
        raise MeasureError("recall_days", MeasureError.OUT_OF_RANGE)
    return recall_days


def _build_bam_spec(recall_days: int) -> MeasureSpec:
    options = _bam_options(recall_days)
    return MeasureSpec(
        id=MeasureId.BAM,
        title_key="measures.bam.title",
        # The app's own line: it says the window in the person's language.
        instructions_key="measures.bam.instructions",
        items=tuple(
            MeasureItem(
                n, f"instrument.bam.item.{n}", options[n],
                kind=ItemKind.SUBSTANCE_DAYS if n == 7 else ItemKind.SINGLE_CHOICE,
                skips_when_zero={4: (5,), 6: (7,)}.get(n, ()),
            )
            for n in range(1, BAM_ITEM_COUNT + 1)
        ),
        recall_days=recall_days,
    )


# The BAM as on the form (30 days), and the weekly BAM the app gives by default.
BAM = _build_bam_spec(BAM_FORM_RECALL_DAYS)
BAM_WEEKLY = _build_bam_spec(BAM_WEEKLY_RECALL_DAYS)
_BAM_SPECS = {BAM_FORM_RECALL_DAYS: BAM, BAM_WEEKLY_RECALL_DAYS: BAM_WEEKLY}


def bam_spec(recall_days: int) -> MeasureSpec:
    """The BAM asking about the past `recall_days` (7 or 30)."""
    return _BAM_SPECS[_check_recall_days(recall_days)]


BAM_USE_ITEMS = (4, 5, 6)
BAM_RISK_ITEMS = (1, 2, 3, 8, 11, 15)
BAM_PROTECTIVE_ITEMS = (9, 10, 12, 13, 14, 16)
BAM_SUBSTANCE_ITEM = 7
BAM_DRUG_DAYS_ITEM = 6
BAM_PROGRESS_ITEM = 17

# Labels for reporting a BamResult: the three subscales and the standalone item 17.
BAM_SUBSCALE_KEYS: dict[str, str] = {
    "use": "measures.bam.subscale.use",
    "risk": "measures.bam.subscale.risk",
    "protective": "measures.bam.subscale.protective",
    "progress": "measures.bam.subscale.progress",
}

_BAM_SUBSCALE_ITEMS = {"use": BAM_USE_ITEMS, "risk": BAM_RISK_ITEMS,
                       "protective": BAM_PROTECTIVE_ITEMS}


def bam_subscale_max(recall_days: int) -> dict[str, int]:
    """The highest each subscale can be in this window: 12, 24, 24 over 30 days; 6, 18,
    18 over 7 (day counts stop at code 2 in a week)."""
    options = _bam_options(_check_recall_days(recall_days))
    return {name: sum(max(o.value for o in options[n]) for n in items)
            for name, items in _BAM_SUBSCALE_ITEMS.items()}


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
    recall_days: int = BAM_FORM_RECALL_DAYS  # the days the answers are about: 7 or 30

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


def difficulty_code(value: object) -> int | None:
    """The PHQ-9 / GAD-7 difficulty answer: None when left out (it is optional), else its
    code 0-3 ("Not difficult at all" to "Extremely difficult"). Never scored."""
    if value is None:
        return None
    return _code(value, "difficulty", range(len(DIFFICULTY_OPTIONS)))


def _substances(value: object, any_drug_days: int, allowed: Sequence[int]) -> dict[str, int]:
    field_name = f"item_{BAM_SUBSTANCE_ITEM}"
    if value is None:
        raise MeasureError(field_name, MeasureError.MISSING)
    if not isinstance(value, Mapping):
        raise MeasureError(field_name, MeasureError.NOT_A_MAPPING)
    # Field stays "item_7" for every sub-question: which substance is itself an answer.
    if any(key not in BAM_SUBSTANCES for key in value):
        raise MeasureError(field_name, MeasureError.UNKNOWN_SUBSTANCE)
    codes = {s: _code(value.get(s, 0), field_name, allowed) for s in BAM_SUBSTANCES}
    # No substance on more days than any drug at all (item 6); 0 when item 6 is 0.
    if any(code > any_drug_days for code in codes.values()):
        raise MeasureError(field_name, MeasureError.INCONSISTENT)
    return codes


def score_bam(answers: Sequence[int | Mapping[str, int]], *,
              recall_days: int = BAM_FORM_RECALL_DAYS) -> BamResult:
    """Score 17 BAM answers in item order; answers[6] (item 7) is a substance mapping.

    `recall_days` is the window the questions asked about (7 or 30, see
    `bam_recall_days`); in a 7-day window a day count above code 2 (4-7 days) is refused.
    """
    recall_days = _check_recall_days(recall_days)
    options = _bam_options(recall_days)
    values = _answer_list(answers, BAM_ITEM_COUNT)
    items: dict[int, int] = {}
    for number, value in enumerate(values, start=1):
        if number == BAM_SUBSTANCE_ITEM:
            continue
        allowed = [option.value for option in options[number]]
        items[number] = _code(value, f"item_{number}", allowed)
    if items[5] > items[4]:
        raise MeasureError("item_5", MeasureError.INCONSISTENT)
    substances = _substances(values[BAM_SUBSTANCE_ITEM - 1], items[BAM_DRUG_DAYS_ITEM],
                             [option.value for option in options[BAM_SUBSTANCE_ITEM]])
    return BamResult(
        items=items,
        substances=substances,
        use=sum(items[n] for n in BAM_USE_ITEMS),
        risk=sum(items[n] for n in BAM_RISK_ITEMS),
        protective=sum(items[n] for n in BAM_PROTECTIVE_ITEMS),
        recall_days=recall_days,
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
