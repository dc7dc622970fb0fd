"""Preferences readable before unlock: theme, language, text size, role.

NOT for health data: this file is plain JSON. To keep it that way, values are limited
to short scalars (text up to 200 characters, numbers, booleans, null). It is written
crash-safely like everything else; a damaged file is moved aside and defaults used.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path
from typing import Any

from .durable import atomic_write, durable_unlink, ensure_dir
from .errors import ValidationError
from .quarantine import Quarantine
from .records import settings_key

PREFERENCES_FILE = "preferences.json"
VALUE_MAX_LENGTH = 200


class Preferences:
    def __init__(self, data_dir: Path) -> None:
        self._dir = Path(data_dir)
        self._path = self._dir / PREFERENCES_FILE
        self._quarantine = Quarantine(self._dir / "quarantine")
        self._mutex = threading.Lock()
        self._cache: dict[str, Any] | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.all().get(key, default)

    def set(self, key: str, value: Any) -> None:
        key = settings_key(key)
        _check_value(key, value)
        with self._mutex:
            data = dict(self._load())
            data[key] = value
            ensure_dir(self._dir)
            atomic_write(self._path, json.dumps(data, indent=1, allow_nan=False).encode("utf-8"))
            self._cache = data

    def clear(self) -> None:
        """Delete the preferences file (part of "remove from this device" when the
        preferences live outside the vault's folder)."""
        with self._mutex:
            durable_unlink(self._path)
            self._cache = {}

    def all(self) -> dict[str, Any]:
        with self._mutex:
            return dict(self._load())

    def _load(self) -> dict[str, Any]:
        if self._cache is None:
            try:
                data = json.loads(self._path.read_text("utf-8"))
            except FileNotFoundError:
                data = {}
            except (OSError, ValueError):
                data = None
            if not isinstance(data, dict):
                self._quarantine.move_aside(self._path, "preferences")
                data = {}
            self._cache = data
        return self._cache


def _check_value(key: str, value: Any) -> None:
    if value is None or isinstance(value, (bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(key, "must be a finite number")
        return
    if isinstance(value, str):
        if len(value) > VALUE_MAX_LENGTH:
            raise ValidationError(key, f"must be at most {VALUE_MAX_LENGTH} characters")
        return
    raise ValidationError(key, "must be text, a number, true/false or empty")
