"""The readable export shows every plan the person wrote, not only the check-ins."""

from __future__ import annotations

from iop_companion.store.export import build_export, render_html


def test_the_page_shows_plans_goals_with_ratings_and_aftercare_escaped() -> None:
    export = build_export(
        exported_at="2026-11-22T10:00:00+00:00", check_ins=[], schedule=[], safety_plan=None,
        settings={}, unsynced_count=0,
        relapse_plan={"triggers": ["payday <script>"], "reasons_for_recovery": ["my kids"]},
        lapse_reviews=[{"happened_on": "2026-11-20", "what_helped": "calling Ana"}])
    export["treatment_goals"] = [{"id": "g1", "title": "Walk daily", "status": "active",
                                  "why_it_matters": "Clears my head",
                                  "steps": [{"text": "Shoes by the door", "done": True}]}]
    export["goal_ratings"] = [{"goal_id": "g1", "week_of": "2026-11-16", "rating": 6,
                               "note": "Rain on Friday"}]
    export["aftercare_plan"] = {"continuing_care": ["Therapy on Tuesdays"],
                                "support_meetings": [{"name": "SMART Recovery",
                                                      "weekday": "thursday", "time": "18:30",
                                                      "place": "Library"}]}
    page = render_html(export)
    assert "payday &lt;script&gt;" in page and "<script>" not in page
    assert "my kids" in page and "calling Ana" in page
    assert "Walk daily" in page and "[done] Shoes by the door" in page
    assert "Rain on Friday" in page
    assert "SMART Recovery: thursday 18:30 at Library" in page
    assert "Therapy on Tuesdays" in page


def test_an_export_without_plans_says_none() -> None:
    page = render_html(build_export(exported_at="2026-11-22T10:00:00+00:00", check_ins=[],
                                    schedule=[], safety_plan=None, settings={},
                                    unsynced_count=0))
    assert page.count("<p>None.</p>") >= 5
