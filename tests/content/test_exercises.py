"""The practice exercises: every shipped file validates (with Spanish and its sources),
their timings fit every duration they offer, and a malformed file is reported by name
and left out, never fatal."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from iop_companion.content.exercises import (
    EXERCISE_ID_PATTERN,
    ExerciseFileError,
    ExerciseKind,
    RatingKind,
    load_exercise_file,
    load_library,
)
from iop_companion.domain.practice import breathing_schedule, steps_schedule
from iop_companion.sync.protocol.payloads.practice import (
    EXERCISE_ID_PATTERN as WIRE_EXERCISE_ID_PATTERN,
)

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
SHIPPED = {"box-breathing", "breathing-4-7-8", "resonance-breathing", "tipp", "urge-surfing",
           "sober-breathing-space", "grounding-5-4-3-2-1", "stop-skill", "body-scan",
           "loving-kindness", "just-sit"}


def exercise_data(exercise_id: str = "test-exercise", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format_version": 1, "id": exercise_id, "order": 1, "kind": "guided",
        "audience": ["participant"], "rating": "distress", "durations": [1, 2],
        "default_minutes": 1,
        "title": {"en": "A test", "es": "Una prueba"},
        "summary": {"en": "What it is.", "es": "Qué es."},
        "before": [{"en": "Sit.", "es": "Siéntate."}],
        "steps": [{"seconds": 30, "cue": {"en": "One"}, "text": {"en": "Do one."}},
                  {"seconds": 30, "stretch": True, "cue": {"en": "Two"},
                   "text": {"en": "Do two."}}],
        "sources": [{"publisher": "NIH", "title": "A page",
                     "url": "https://www.nccih.nih.gov/"}],
    }
    data.update(changes)
    return data


def write(assets: Path, name: str, content: Any) -> Path:
    folder = assets / "exercises"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    return path


def test_every_shipped_exercise_loads_with_spanish_and_sources() -> None:
    library = load_library(ASSETS)
    assert library.problems == ()
    assert library.ids == SHIPPED
    for exercise in library:
        texts = [exercise.title, exercise.summary, *exercise.before,
                 *(p.cue for p in exercise.pattern),
                 *(s.cue for s in exercise.steps), *(s.text for s in exercise.steps)]
        if exercise.caution:
            texts.append(exercise.caution)
        for text in texts:
            assert text.languages == {"en", "es"}, exercise.id
            assert text.in_language("es") != text.in_language("en") or text.in_language(
                "en").isdigit(), exercise.id
        assert exercise.sources and all(s.url.startswith("https://") for s in exercise.sources)


def test_the_issue_s_exercises_have_their_shape() -> None:
    library = load_library(ASSETS)
    for breathing in ("box-breathing", "breathing-4-7-8", "resonance-breathing", "tipp"):
        exercise = library.get(breathing)
        assert exercise is not None and exercise.kind is ExerciseKind.BREATHING
        assert exercise.durations == (1, 3, 5, 10)
    box = library.get("box-breathing")
    assert box is not None
    assert [(p.phase.value, p.seconds) for p in box.pattern] == [
        ("in", 4), ("hold", 4), ("out", 4), ("rest", 4)]
    resonance = library.get("resonance-breathing")
    assert resonance is not None and sum(p.seconds for p in resonance.pattern) == 10
    tipp = library.get("tipp")
    assert tipp is not None and tipp.caution is not None
    assert "heart" in tipp.caution.in_language("en")
    surfing = library.get("urge-surfing")
    assert surfing is not None and surfing.rating is RatingKind.CRAVING
    body_scan = library.get("body-scan")
    assert body_scan is not None and body_scan.durations == (10, 15)
    just_sit = library.get("just-sit")
    assert just_sit is not None and just_sit.bell_every_seconds


def test_every_exercise_fits_every_duration_it_offers() -> None:
    for exercise in load_library(ASSETS):
        for minutes in exercise.durations:
            if exercise.kind is ExerciseKind.BREATHING:
                schedule = breathing_schedule(
                    [(p.phase.value, p.seconds) for p in exercise.pattern], minutes)
            else:
                schedule = steps_schedule([(s.seconds, s.stretch) for s in exercise.steps],
                                          minutes,
                                          bell_every_seconds=exercise.bell_every_seconds)
            assert schedule.duration == minutes * 60
            assert schedule.phase_at(minutes * 60).finished


def test_a_malformed_file_is_reported_by_name_and_left_out(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shutil.copytree(ASSETS / "exercises", tmp_path / "exercises")
    write(tmp_path, "broken", "{ not json")
    write(tmp_path, "no-english", exercise_data("no-english", title={"es": "Solo"}))
    write(tmp_path, "steps-too-short", exercise_data(
        "steps-too-short", steps=[{"seconds": 30, "stretch": True, "cue": {"en": "A"},
                                   "text": {"en": "B"}}]))
    write(tmp_path, "wrong-name", exercise_data("another-name"))
    write(tmp_path, "extra-field", exercise_data("extra-field", colour="blue"))
    with caplog.at_level(logging.WARNING):
        library = load_library(tmp_path)
    assert library.ids == SHIPPED  # the good ones are all there
    reasons = {problem.file.name: problem.reason for problem in library.problems}
    assert set(reasons) == {"broken.json", "no-english.json", "steps-too-short.json",
                            "wrong-name.json", "extra-field.json"}
    assert "not valid JSON" in reasons["broken.json"]
    assert "'title'" in reasons["no-english.json"]
    assert "the steps last 30 s but the shortest duration is 60 s" in reasons[
        "steps-too-short.json"]
    assert "'another-name'" in reasons["wrong-name.json"]
    assert "'colour'" in reasons["extra-field.json"]
    assert "broken.json" in caplog.text


@pytest.mark.parametrize(("changes", "reason"), [
    ({"kind": "dance"}, "'kind' must be one of"),
    ({"durations": [3, 1]}, "'durations'"),
    ({"default_minutes": 4}, "'default_minutes'"),
    ({"audience": ["everyone"]}, "'audience'"),
    ({"sources": [{"publisher": "X", "title": "Y", "url": "http://x.example"}]}, "https://"),
    ({"pattern": [{"phase": "in", "seconds": 4, "cue": {"en": "In"}}]}, "'pattern'"),
    ({"format_version": 2}, "format version 2"),
    ({"rating": "mood"}, "'rating'"),
])
def test_each_rule_names_the_field(tmp_path: Path, changes: dict[str, Any],
                                   reason: str) -> None:
    path = write(tmp_path, "test-exercise", exercise_data(**changes))
    with pytest.raises(ExerciseFileError) as error:
        load_exercise_file(path)
    assert reason in str(error.value)
    assert "test-exercise.json" in str(error.value)


def test_a_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    library = load_library(tmp_path)
    assert len(library) == 0
    assert "missing" in library.problems[0].reason


def test_the_id_rule_is_the_wire_format_s() -> None:
    assert EXERCISE_ID_PATTERN == WIRE_EXERCISE_ID_PATTERN
