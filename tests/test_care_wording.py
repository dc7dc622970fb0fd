"""After discharge, no text may still promise that the care team sees the answers: every
such text has an ".after_care" wording, in every language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

LOCALES = Path(__file__).resolve().parents[1] / "assets" / "locales"
# Texts shown with use_care_wording(): measure results, the check-in intro, the lapse note.
CARE_TEXTS = re.compile(r"^(measures\.(phq9|gad7)\.band\.[a-z_]+|measures\.bam\.result\.[a-z_]+"
                        r"|questionnaire\.result\.not_a_diagnosis|checkin\.intro|lapse\.private)$")


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_care_team_text_has_an_after_care_wording(language: str) -> None:
    strings = json.loads((LOCALES / f"{language}.json").read_text(encoding="utf-8"))
    care_texts = [key for key in strings if CARE_TEXTS.match(key)]
    assert len(care_texts) >= 14
    for key in care_texts:
        after = strings.get(f"{key}.after_care")
        assert after, f"{language}: {key} has no .after_care wording"
        assert "care team" not in after and "equipo de atención" not in after
