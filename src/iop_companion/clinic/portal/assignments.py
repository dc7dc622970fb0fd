"""Homework and modules on a participant's page: setting homework (title, instructions,
an optional module and due date), assigning a module from the app's library, and
withdrawing either (after a confirm step). The lists are the participant's page's
(`read_homework`, with what the participant marked done or read).

Each write is the API's own route function, so another clinic's participant is 404, a
module the app's library lacks is refused, and the same audit rows are written. A
refused form is shown again with what was typed and why, beside each field.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.portal.participants import RefusedForm, render_participant_page
from iop_companion.clinic.portal.web import (
    CSRF_FIELD,
    PORTAL,
    CurrentPortalUser,
    PortalUser,
    check_csrf,
    form_date,
    form_text,
    refusal_from,
    render,
    see_other,
)
from iop_companion.clinic.portal.wording import module_title
from iop_companion.clinic.routes.clinician.homework import (
    NO_SUCH_HOMEWORK,
    read_homework,
    set_homework,
    withdraw_participant_homework,
)
from iop_companion.clinic.routes.clinician.modules import (
    NO_SUCH_ASSIGNMENT,
    assign_participant_module,
    withdraw_participant_module,
)
from iop_companion.clinic.routes.clinician.participants import read_participant
from iop_companion.sync.protocol import HomeworkWrite, ModuleAssignmentWrite

router = APIRouter(prefix=PORTAL, include_in_schema=False)

DATE_PROBLEM = "Type the due date as a date (for example 2026-03-20), or leave it empty."
# Why each field was refused, in the form's words (the API's bounds: sync/protocol).
HOMEWORK_PROBLEMS = {
    "title": "Type a title of 1 to 120 characters, on one line.",
    "instructions": "Instructions can be up to 2,000 characters of ordinary text.",
    "due_on": "Choose a due date between 2000 and 2100, or leave it empty.",
    "module_id": "Choose a module from the list, or \u201cNone\u201d.",
    "exercise_id": "Choose an exercise from the list, or \u201cNone\u201d.",
}


def library_problem(refused: HTTPException) -> dict[str, str]:
    """The field of a homework form the API's 422 is about: the module or the exercise
    it named is not in the app's library (clinic/assignments.py says which)."""
    field = "exercise_id" if "exercise" in str(refused.detail) else "module_id"
    return {field: HOMEWORK_PROBLEMS[field]}


MODULE_PROBLEMS = {
    "module_id": "Choose a module from the list.",
    "note": "The note can be up to 500 characters of ordinary text.",
    "due_on": "Choose a due date between 2000 and 2100, or leave it empty.",
}


def _page(participant_id: uuid.UUID) -> str:
    return f"{PORTAL}/participants/{participant_id}"


def _problems(invalid: ValidationError, words: dict[str, str]) -> dict[str, str]:
    fields = {str(problem["loc"][0]) for problem in invalid.errors() if problem["loc"]}
    return {field: words[field] for field in fields if field in words}


def _refused(request: Request, user: PortalUser, db: DbSession, now: Now,
             participant_id: uuid.UUID, form: str, values: dict[str, str],
             errors: dict[str, str]) -> Response:
    return render_participant_page(request, user, db, now, participant_id,
                                   refused_form=RefusedForm(form, values, errors))


# --- Homework ----------------------------------------------------------------------------

@router.post("/participants/{participant_id}/homework")
def homework_submit(participant_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                    db: DbSession, now: Now, title: Annotated[str, Form()] = "",
                    instructions: Annotated[str, Form()] = "",
                    module_id: Annotated[str, Form()] = "",
                    exercise_id: Annotated[str, Form()] = "",
                    due_on: Annotated[str, Form()] = "",
                    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    values = {"title": title, "instructions": instructions, "module_id": module_id,
              "exercise_id": exercise_id, "due_on": due_on}
    due = form_date(due_on)
    if isinstance(due, str):
        return _refused(request, user, db, now, participant_id, "homework", values,
                        {"due_on": DATE_PROBLEM})
    try:
        body = HomeworkWrite(title=title, instructions=form_text(instructions), due_on=due,
                             module_id=module_id.strip() or None,
                             exercise_id=exercise_id.strip() or None)
    except ValidationError as invalid:
        return _refused(request, user, db, now, participant_id, "homework", values,
                        _problems(invalid, HOMEWORK_PROBLEMS))
    try:
        set_homework(participant_id, body, user.clinician, db, now)
    except HTTPException as refused:
        if refused.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:  # not in the library
            return _refused(request, user, db, now, participant_id, "homework", values,
                            library_problem(refused))
        raise refusal_from(refused) from None  # another clinic's participant: 404
    return see_other(f"{_page(participant_id)}?done=homework_set#homework")


@router.post("/participants/{participant_id}/homework/{homework_id}/withdraw")
def withdraw_homework_submit(participant_id: uuid.UUID, homework_id: uuid.UUID,
                             request: Request, user: CurrentPortalUser, db: DbSession,
                             now: Now, confirmed: Annotated[str, Form()] = "",
                             csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
                             ) -> Response:
    check_csrf(user, csrf_token, db, now)
    if confirmed != "yes":
        name, listed = _assignments(user, db, now, participant_id)
        homework = next((h for h in listed.homework if h.id == homework_id), None)
        if homework is None:
            raise refusal_from(HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_HOMEWORK))
        return render(
            request, "confirm.html", user=user,
            title=f"Withdraw \u201c{homework.title}\u201d?",
            message=(f"It leaves {name}'s to-do list in their app at its next sync. It stays "
                     "listed here as withdrawn, with anything they marked."),
            action=f"{_page(participant_id)}/homework/{homework_id}/withdraw", fields={},
            confirm_label="Yes, withdraw the homework",
            cancel=f"{_page(participant_id)}#homework")
    try:
        withdraw_participant_homework(participant_id, homework_id, user.clinician, db, now)
    except HTTPException as refused:  # another clinic's participant, or no such homework
        raise refusal_from(refused) from None
    return see_other(f"{_page(participant_id)}?done=homework_withdrawn#homework")


# --- Modules -----------------------------------------------------------------------------

@router.post("/participants/{participant_id}/modules")
def module_submit(participant_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                  db: DbSession, now: Now, module_id: Annotated[str, Form()] = "",
                  note: Annotated[str, Form()] = "", due_on: Annotated[str, Form()] = "",
                  csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    values = {"module_id": module_id, "note": note, "due_on": due_on}
    due = form_date(due_on)
    if isinstance(due, str):
        return _refused(request, user, db, now, participant_id, "module", values,
                        {"due_on": DATE_PROBLEM})
    try:
        body = ModuleAssignmentWrite(module_id=module_id.strip(), note=form_text(note).strip() or None,
                                     due_on=due)
    except ValidationError as invalid:
        return _refused(request, user, db, now, participant_id, "module", values,
                        _problems(invalid, MODULE_PROBLEMS))
    try:
        assign_participant_module(participant_id, body, user.clinician, db, now)
    except HTTPException as refused:
        if refused.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:  # not in the library
            return _refused(request, user, db, now, participant_id, "module", values,
                            {"module_id": MODULE_PROBLEMS["module_id"]})
        raise refusal_from(refused) from None  # another clinic's participant: 404
    return see_other(f"{_page(participant_id)}?done=module_assigned#homework")


@router.post("/participants/{participant_id}/modules/{assignment_id}/withdraw")
def withdraw_module_submit(participant_id: uuid.UUID, assignment_id: uuid.UUID,
                           request: Request, user: CurrentPortalUser, db: DbSession,
                           now: Now, confirmed: Annotated[str, Form()] = "",
                           csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
                           ) -> Response:
    check_csrf(user, csrf_token, db, now)
    if confirmed != "yes":
        name, listed = _assignments(user, db, now, participant_id)
        assignment = next((m for m in listed.modules if m.id == assignment_id), None)
        if assignment is None:
            raise refusal_from(HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_ASSIGNMENT))
        return render(
            request, "confirm.html", user=user,
            title=f"Withdraw \u201c{module_title(assignment.module_id)}\u201d?",
            message=(f"It leaves {name}'s to-do list in their app at its next sync. The "
                     "module stays in the app's library for them to read."),
            action=f"{_page(participant_id)}/modules/{assignment_id}/withdraw", fields={},
            confirm_label="Yes, withdraw the module",
            cancel=f"{_page(participant_id)}#homework")
    try:
        withdraw_participant_module(participant_id, assignment_id, user.clinician, db, now)
    except HTTPException as refused:  # another clinic's participant, or no such assignment
        raise refusal_from(refused) from None
    return see_other(f"{_page(participant_id)}?done=module_withdrawn#homework")


def _assignments(user: PortalUser, db: DbSession, now: Now,
                 participant_id: uuid.UUID) -> tuple[str, Any]:
    """The participant's name and assignments, for a confirm page (404 if not theirs)."""
    try:
        participant = read_participant(participant_id, user.clinician, db, now)
        return participant.display_name, read_homework(participant_id, user.clinician, db, now)
    except HTTPException as refused:
        raise refusal_from(refused) from None
