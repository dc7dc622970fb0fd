"""My people: the list of the participant's supporters and professionals (with call
and text buttons), the form to add or change someone, and the pieces the plans use.

Pieces other screens use (each reads the unlocked store; while locked they show
nothing, or the line as written):

* `plan_line(services, text)`: one line of a plan ("• Mom 555-123-4567") with a
  "Call 555-123-4567" button when the line holds a phone number.
* `person_actions(services, person)`: "Call <name>" and "Text <name>" buttons.
* `people_cards(services, kind)`: one card per person of `kind` ("support" or
  "professional"), for a screen of its own cards (the safety plan's steps 4 and 5).
* `people_lines(services, kind)`: the same people, compact, to go inside a plan's card.
* `my_people_note(services, kind)`: for a plan's form: who is already shown from
  My people, so nobody is typed twice.

Every call or text button takes `on_reach_out`, run when it is tapped (the safety
screen passes `services.account.begin_crisis_grace`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flet as ft

from iop_companion.domain.people import (
    KINDS,
    NAME_MAX,
    PHONE_MAX,
    ROLE_MAX,
    PersonDraft,
    draft_from_person,
    find_phones,
    person_dial,
    person_problems,
)
from iop_companion.platform.links import sms_uri, tel_uri
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.people import (
    add_person,
    change_person,
    find_person,
    list_people,
    remove_person,
)
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services

PEOPLE_PAGE = "people"
EDIT_PAGE = "person_edit"
# Which person the form edits ("" for a new one) and the kind a new one starts as:
# pages are opened by name alone.
EDITING_KEY = "person_edit.person_id"
NEW_KIND_KEY = "person_edit.kind"
DRAFT_FORM = "person_edit"  # services.drafts: what is typed survives the lock
PLAN_LINE_CALLS_MAX = 3

ReachOut = Callable[[], Any] | None


# --- pieces the plans use ------------------------------------------------------------

def plan_line(services: AppServices, text: str, *, on_reach_out: ReachOut = None) -> ft.Control:
    """A line of a plan as written, with a "Call <number>" button for each phone number
    in it ("Mom 555-123-4567", "(555) 123 4567", "988"); dates and short numbers are
    left alone. A line without a number is just the line."""
    line = kit.body(f"• {text}")
    found = find_phones(str(text))[:PLAN_LINE_CALLS_MAX]
    if not found:
        return line
    calls: list[ft.Control] = []
    for phone in found:
        try:
            calls.append(kit.link_button(services.t("people.call_number", number=phone.written),
                                         tel_uri(phone.dial), ft.Icons.CALL,
                                         on_click=on_reach_out))
        except ValueError:
            continue  # nothing to dial after all
    return ft.Column([line, ft.Row(calls, wrap=True, spacing=8, run_spacing=8)],
                     spacing=4, tight=True)


def person_actions(services: AppServices, person: Mapping[str, Any], *,
                   on_reach_out: ReachOut = None, filled: bool = False) -> ft.Control:
    """"Call <name>" and "Text <name>" (the phone's own dialler and messages, so they
    work offline), or a quiet note when no number is saved for them."""
    t = services.t
    name = str(person.get("name", ""))
    dial = person_dial(person)
    if dial is None:
        return kit.body(t("people.no_phone"), muted=True, size=13)
    return ft.Row([
        kit.link_button(t("people.call", name=name), tel_uri(dial), ft.Icons.CALL,
                        filled=filled, on_click=on_reach_out),
        kit.link_button(t("people.text", name=name), sms_uri(dial), ft.Icons.SMS,
                        on_click=on_reach_out),
    ], wrap=True, spacing=8, run_spacing=8)


def _person_summary(services: AppServices, person: Mapping[str, Any]) -> ft.Control:
    details = " · ".join(str(part) for part in (person.get("role"), person.get("phone"))
                         if part)
    return ft.Column([
        ft.Text(str(person.get("name", "")), size=16, weight=ft.FontWeight.W_600),
        *([kit.body(details, muted=True)] if details else []),
    ], spacing=2, tight=True)


def _people(services: AppServices, kind: str | None) -> list[dict[str, Any]]:
    return list_people(services.account.store, kind)


def people_lines(services: AppServices, kind: str | None, *, on_reach_out: ReachOut = None,
                 label: bool = True) -> list[ft.Control]:
    """My people of `kind`, compact (name, who they are, call and text), to sit inside
    a plan's card under a small "From My people" (unless `label` is False). Empty while
    locked or when there is nobody of that kind."""
    lines: list[ft.Control] = [
        ft.Column([_person_summary(services, person),
                   person_actions(services, person, on_reach_out=on_reach_out)],
                  spacing=6, tight=True)
        for person in _people(services, kind)]
    if lines and label:
        lines.insert(0, kit.body(services.t("people.from_list"), muted=True, size=13))
    return lines


def people_cards(services: AppServices, kind: str | None, *,
                 on_reach_out: ReachOut = None) -> list[ft.Control]:
    """One card per person of `kind` ("support", "professional"; None: everyone), with
    "Call <name>" and "Text <name>". Empty while locked or when there is nobody."""
    return [kit.card(_person_summary(services, person),
                     person_actions(services, person, on_reach_out=on_reach_out))
            for person in _people(services, kind)]


def my_people_note(services: AppServices, kind: str) -> ft.Control:
    """For a plan's form: who is already in the plan from My people (so nobody is typed
    again), or where to add them once for every plan."""
    t = services.t
    names = [str(person.get("name", "")) for person in _people(services, kind)]
    if names:
        return kit.body(t(f"people.note.{kind}.listed", names=", ".join(names)), muted=True,
                        size=13)
    return kit.body(t(f"people.note.{kind}.none"), muted=True, size=13)


def open_people(navigator: Navigator) -> None:
    navigator.open(PEOPLE_PAGE)


def open_person_form(services: AppServices, navigator: Navigator, person_id: str | None = None,
                     *, kind: str | None = None) -> None:
    """Open the form for this person (None: someone new, of `kind` to start with)."""
    services.unsaved_forms[EDITING_KEY] = person_id or ""
    services.unsaved_forms[NEW_KIND_KEY] = kind if kind in KINDS else "support"
    navigator.open(EDIT_PAGE)


def _named(control: ft.Control, spoken: str) -> ft.Control:
    """A button whose screen-reader name says whom it is for ("Edit Ana"): every
    person's card has the same buttons."""
    return ft.Semantics(label=spoken, button=True, container=True, exclude_semantics=True,
                        content=control)


# --- the list ------------------------------------------------------------------------

@ft.component
def PeopleScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    page = ft.context.page
    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    people = list_people(store)

    def confirm_remove(person: Mapping[str, Any]) -> None:
        name = str(person.get("name", ""))

        def remove() -> None:
            page.pop_dialog()
            try:
                remove_person(store, str(person["id"]))
            except SaveFailed as error:
                navigator.notify(t("people.error.remove_failed", reason=str(error)))
                return
            navigator.notify(t("people.removed", name=name))
            navigator.data_changed()

        page.show_dialog(ft.AlertDialog(
            modal=True,
            title=ft.Text(t("people.remove.title", name=name)),
            content=ft.Text(t("people.remove.body")),
            actions=[
                ft.TextButton(t("common.cancel"), on_click=lambda: page.pop_dialog()),
                ft.FilledButton(t("people.remove.confirm"), on_click=remove),
            ],
        ))

    def person_card(person: dict[str, Any]) -> ft.Control:
        name = str(person.get("name", ""))
        return kit.card(
            _person_summary(services, person),
            person_actions(services, person),
            ft.Row([
                _named(kit.text_button(t("people.edit"),
                                       lambda p=person: open_person_form(services, navigator,
                                                                         p["id"]),
                                       ft.Icons.EDIT_OUTLINED),
                       t("people.edit_named", name=name)),
                _named(kit.text_button(t("people.remove"), lambda p=person: confirm_remove(p),
                                       ft.Icons.DELETE_OUTLINE),
                       t("people.remove_named", name=name)),
            ], wrap=True, spacing=8),
        )

    controls: list[ft.Control] = [kit.heading(t("people.title")),
                                  kit.body(t("people.intro"), muted=True)]
    if not people:
        controls.append(kit.empty_state(
            ft.Icons.PEOPLE_OUTLINE, t("people.empty.title"), t("people.empty.body"),
            kit.primary_button(t("people.add"), lambda: open_person_form(services, navigator),
                               ft.Icons.PERSON_ADD_ALT)))
    else:
        for kind in KINDS:
            mine = [person for person in people if person.get("kind") == kind]
            controls.append(kit.subheading(t(f"people.section.{kind}")))
            controls += ([person_card(person) for person in mine]
                         or [kit.body(t(f"people.section.{kind}.empty"), muted=True)])
        controls.append(kit.primary_button(t("people.add"),
                                           lambda: open_person_form(services, navigator),
                                           ft.Icons.PERSON_ADD_ALT))
    controls.append(kit.body(t("people.private"), muted=True, size=13))
    return kit.screen(*controls)


# --- the form ------------------------------------------------------------------------

@ft.component
def PersonEditScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    person_id = str(services.unsaved_forms.get(EDITING_KEY) or "") or None
    saved = find_person(store, person_id)
    new_kind = services.unsaved_forms.get(NEW_KIND_KEY)
    base = (draft_from_person(saved) if saved is not None
            else PersonDraft(kind=new_kind if new_kind in KINDS else "support"))

    def resume() -> tuple[PersonDraft, bool]:
        kept = services.drafts.resume(DRAFT_FORM)
        if isinstance(kept, Mapping) and str(kept.get("person_id") or "") == (person_id or ""):
            draft = PersonDraft.from_snapshot(kept)
            if draft is not None and draft != base:
                return draft, True
        return base, False

    start, restored = ft.use_memo(resume, [])
    name = kit.use_text(start.name)
    phone = kit.use_text(start.phone)
    role = kit.use_text(start.role)
    kind = ft.use_ref(start.kind)
    _, set_round = ft.use_state(0)
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    finished = ft.use_ref(False)  # saved or cancelled: nothing to keep

    def typed() -> PersonDraft:
        return PersonDraft(name=name.current or "", phone=phone.current or "",
                           kind=kind.current, role=role.current or "")

    def snapshot() -> dict[str, Any]:
        return {"person_id": person_id or "", **typed().snapshot()}

    # While the form is on screen, a lock writes what is typed (encrypted).
    if not finished.current:
        services.drafts.keep(DRAFT_FORM, snapshot)

    def left_the_screen() -> None:
        if not finished.current and typed() != base:
            services.drafts.save_now(DRAFT_FORM, snapshot())  # back after Get help, say
        services.drafts.stop_keeping(DRAFT_FORM)

    ft.use_effect(lambda: None, [], cleanup=left_the_screen)

    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))

    def choose_kind(value: str) -> None:
        kind.current = value
        set_round(lambda r: r + 1)

    def done() -> None:
        finished.current = True
        services.drafts.finish(DRAFT_FORM)
        navigator.back()

    def save() -> None:
        draft = typed()
        found = person_problems(draft)
        set_problems(found)
        if found:
            set_save_error(t("checkin.error.fix_above"))
            return
        try:
            if saved is not None:
                change_person(store, saved["id"], draft)
            else:
                add_person(store, draft)
        except SaveFailed as error:
            set_save_error(t("people.error.save_failed", reason=str(error)))
            return
        navigator.notify(t("people.saved", name=draft.name.strip()))
        navigator.data_changed()
        done()

    def problem(field: str) -> str | None:
        key = problems.get(field)
        return t(key, limit=NAME_MAX if field == "name" else ROLE_MAX) if key else None

    controls: list[ft.Control] = [
        kit.heading(t("people.edit.title_change" if saved else "people.edit.title_new")),
        kit.body(t("people.edit.intro"), muted=True),
    ]
    if restored:
        controls.append(kit.message(t("people.edit.restored"), error=False))
    controls += [
        kit.text_field(t("people.field.name"), name, max_length=NAME_MAX,
                       error=problem("name")),
        kit.text_field(t("people.field.phone"), phone, max_length=PHONE_MAX,
                       helper=t("people.field.phone_hint"), error=problem("phone")),
        kit.choice_chips(t("people.field.kind"),
                         [(value, t(f"people.kind.{value}")) for value in KINDS],
                         kind.current, choose_kind),
        kit.message(problem("kind")),
        kit.text_field(t("people.field.role"), role, max_length=ROLE_MAX,
                       helper=t("people.field.role_hint"), error=problem("role")),
        kit.body(t("people.private"), muted=True, size=13),
        kit.message(save_error),
        ft.Row([kit.primary_button(t("people.edit.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), done)], wrap=True),
    ]
    return kit.screen(*controls)
