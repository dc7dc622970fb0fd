"""Strict validation before writing: and error messages that never echo the value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.store.store_testing import check_in

from iop_companion.store import Store, StoreError, ValidationError
from iop_companion.store.storage import encode_tables

SECRET = "SECRET-VALUE-7f3a"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mood", -1),
        ("mood", 11),
        ("mood", 5.0),
        ("mood", True),
        ("mood", "5"),
        ("craving", 10.5),
        ("sleep_hours", float("nan")),
        ("sleep_hours", float("inf")),
        ("sleep_hours", -0.5),
        ("sleep_hours", 24.5),
        ("sleep_hours", "7"),
        ("sleep_quality", "great"),
        ("medications", "maybe"),
        ("used_since_last", "no"),
        ("used_since_last", 0),
        ("substance", "x" * 201),
        ("substance", "two\nlines"),
        ("note", "x" * 2001),
        ("note", "bell\x07"),
        ("note", "lone \ud800 surrogate"),
        ("note", 42),
        ("created_at", "2025-01-01T10:00:00"),
        ("created_at", "yesterday"),
        ("id", "not-a-uuid"),
    ],
)
def test_check_in_field_rules(store: Store, field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        store.check_ins.add(check_in(**{field: value}))
    assert error.value.field == field


def test_missing_and_unknown_fields(store: Store) -> None:
    record = check_in()
    del record["mood"]
    with pytest.raises(ValidationError, match="mood: is required"):
        store.check_ins.add(record)
    with pytest.raises(ValidationError, match="is not a known field"):
        store.check_ins.add(check_in(updated_at="2025-01-01T00:00:00+00:00"))
    with pytest.raises(ValidationError) as error:
        store.check_ins.add({**check_in(), SECRET: 1})
    assert SECRET not in str(error.value)  # a weird key is not echoed either


def test_an_unanswered_scale_is_stored_as_unanswered(store: Store) -> None:
    # null is "not answered", kept as None: never read back as 0 or 5.
    record = store.check_ins.add(check_in(mood=None, craving=None))
    assert record["mood"] is None and record["craving"] is None
    stored = store.check_ins.list_recent(1)[0]
    assert stored["mood"] is None and stored["craving"] is None
    # Unanswered is a value the app sends; a missing field is still refused.
    record = check_in()
    del record["craving"]
    with pytest.raises(ValidationError, match="craving: is required"):
        store.check_ins.add(record)


def test_boundaries_and_optional_fields_are_accepted(store: Store) -> None:
    record = store.check_ins.add(
        check_in(mood=0, craving=10, sleep_hours=24, note="x" * 2000, substance=None)
    )
    assert record["sleep_hours"] == 24.0
    minimal = check_in()
    del minimal["note"], minimal["substance"]
    assert store.check_ins.add(minimal)["note"] == ""


def test_messages_never_contain_the_value(store: Store) -> None:
    attempts = [
        lambda: store.check_ins.add(check_in(note=SECRET * 200)),
        lambda: store.check_ins.add(check_in(substance=SECRET + "\n")),
        lambda: store.check_ins.add(check_in(sleep_quality=SECRET)),
        lambda: store.check_ins.add(check_in(created_at=SECRET)),
        lambda: store.check_ins.add(check_in(id=SECRET)),
        lambda: store.settings.set("k", {"a": [SECRET, float("nan")]}),
        lambda: store.outbox.enqueue(SECRET * 10, "r", {}),
        lambda: store.safety_plan.save({"warning_signs": [SECRET * 100]}),
    ]
    for attempt in attempts:
        with pytest.raises(StoreError) as error:
            attempt()
        assert SECRET not in str(error.value)
        assert SECRET not in repr(error.value)
        # No chained exception either: parser errors quote their input.
        assert error.value.__cause__ is None and error.value.__context__ is None


def test_serialisation_refuses_nan_even_past_validation() -> None:
    """TinyDB would write NaN as-is; the storage refuses it (allow_nan=False)."""
    with pytest.raises(StoreError) as error:
        encode_tables({"t": {"1": {"x": float("nan")}}})
    assert error.value.__context__ is None
    assert json.loads(encode_tables({"t": {"1": {"x": 1.5}}})) == {"t": {"1": {"x": 1.5}}}
