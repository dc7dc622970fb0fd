"""The groups pages: the clinic's groups with their member counts, making one, and a
group's page: its members (adding one of the clinic's active participants, taking one
out after a confirm page), renaming and archiving it (confirmed), its coming sessions,
and setting homework or a module for every current member at once, with who got it and
who was skipped and why.

Every read and write is the API's own route function (routes/clinician/groups.py,
homework.py, modules.py), so another clinic's group is 404 and the same audit rows are
written. A refused form is shown again with what was typed and why, beside each field.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.portal import wording
from iop_companion.clinic.portal.assignments import (
    DATE_PROBLEM,
    HOMEWORK_PROBLEMS,
    MODULE_PROBLEMS,
    library_problem,
)
from iop_companion.clinic.portal.participants import RefusedForm
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
from iop_companion.clinic.routes.clinician.groups import (
    add_group_member,
    archive_participant_group,
    create_participant_group,
    list_groups,
    read_group,
    remove_group_member,
    rename_participant_group,
)
from iop_companion.clinic.routes.clinician.homework import set_group_homework
from iop_companion.clinic.routes.clinician.modules import assign_group_module
from iop_companion.clinic.routes.clinician.participants import read_participants
from iop_companion.clinic.routes.clinician.schedule import read_schedule
from iop_companion.sync.protocol import (
    GroupMemberAdd,
    GroupView,
    GroupWrite,
    HomeworkWrite,
    ModuleAssignmentWrite,
    ParticipantStatus,
)
from iop_companion.sync.protocol.clinician_reads import MAX_PARTICIPANTS_PAGE

router = APIRouter(prefix=PORTAL, include_in_schema=False)

GROUPS = f"{PORTAL}/groups"
NAME_PROBLEM = "Type a name of 1 to 80 characters, on one line."
MEMBER_PROBLEM = "Choose a participant from the list."
SESSIONS_AHEAD_DAYS = 28
_NOTICES = {
    "created": "Group made. Add its members below.",
    "renamed": "Group renamed. Its members' apps show the new name with its sessions.",
    "archived": ("Group archived. It takes no new members, sessions or assignments; its "
                 "sessions stay on the schedule as they are."),
    "added": ("Member added. The group's sessions reach their app at its next sync."),
    "removed": ("Member taken out. The group's sessions still to come leave their app at "
                "its next sync."),
}


def _page(group_id: uuid.UUID) -> str:
    return f"{GROUPS}/{group_id}"


def active_participants(user: PortalUser, db: DbSession, now: Now) -> list[ParticipantStatus]:
    """The clinic's participants who are not discharged, by name (the API's list)."""
    found: list[ParticipantStatus] = []
    cursor: str | None = None
    while True:
        try:
            page = read_participants(user.clinician, db, now, cursor=cursor,
                                     limit=MAX_PARTICIPANTS_PAGE)
        except HTTPException as refused:
            raise refusal_from(refused) from None
        found.extend(one for one in page.participants if one.status != "discharged")
        if page.next is None:
            return found
        cursor = page.next


# --- The list and making a group ---------------------------------------------------------

def _groups_page(request: Request, user: PortalUser, db: DbSession, now: Now, *,
                 show_archived: bool, name: str = "", error: str | None = None,
                 status_code: int = status.HTTP_200_OK) -> Response:
    groups = list_groups(user.clinician, db, now, include_archived=show_archived).groups
    return render(request, "groups.html", user=user, status_code=status_code,
                  groups=groups, show_archived=show_archived, name=name, error=error)


@router.get("/groups")
def groups_page(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                archived: str = "") -> Response:
    return _groups_page(request, user, db, now, show_archived=archived == "1")


@router.post("/groups")
def new_group_submit(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                     name: Annotated[str, Form()] = "",
                     csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    problem: str | None = None
    try:
        created = create_participant_group(GroupWrite(name=name), user.clinician, db, now)
    except ValidationError:
        problem = NAME_PROBLEM
    except HTTPException as refused:
        if refused.status_code != status.HTTP_409_CONFLICT:
            raise refusal_from(refused) from None
        problem = str(refused.detail)  # the name is taken
    if problem is not None:
        return _groups_page(request, user, db, now, show_archived=False, name=name,
                            error=problem, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other(f"{_page(created.id)}?done=created")


# --- One group ---------------------------------------------------------------------------

def _group(user: PortalUser, db: DbSession, now: Now, group_id: uuid.UUID) -> GroupView:
    try:
        return read_group(group_id, user.clinician, db, now)
    except HTTPException as refused:  # another clinic's, or none: 404
        raise refusal_from(refused) from None


def _assignment_result(request: Request, group: GroupView) -> dict[str, Any] | None:
    """What the last group assignment did, from the redirect's query: who got it, and who
    was skipped (discharged: nothing new reaches their app)."""
    query = request.query_params
    done = query.get("done", "")
    if done not in ("homework", "module"):
        return None
    members = {str(one.participant_id): one for one in group.members}

    def named(key: str) -> list[Any]:
        return [members[one] for one in query.get(key, "").split(",") if one in members]

    module = query.get("module", "")
    return {"kind": done, "assigned": named("assigned"), "skipped": named("skipped"),
            "module_title": wording.module_title(module) if module else ""}


def render_group_page(request: Request, user: PortalUser, db: DbSession, now: Now,
                      group_id: uuid.UUID, *, refused_form: RefusedForm | None = None,
                      ) -> Response:
    """The group's page; with `refused_form`, answered 422 with that form's values and
    errors beside its fields."""
    group = _group(user, db, now, group_id)
    member_ids = {one.participant_id for one in group.members}
    candidates = ([] if group.archived_at is not None else
                  [one for one in active_participants(user, db, now)
                   if one.id not in member_ids])
    today = now.astimezone(user.zone).date()
    schedule = read_schedule(user.clinician, db, now, from_day=today,
                             to_day=today + timedelta(days=SESSIONS_AHEAD_DAYS - 1))
    sessions = [one for one in schedule.sessions
                if one.audience.group_id == group.id and one.ends_at >= now]
    done = request.query_params.get("done", "")
    return render(request, "group.html", user=user, group=group, candidates=candidates,
                  sessions=sessions, sessions_ahead_days=SESSIONS_AHEAD_DAYS,
                  refused=refused_form, module_catalogue=wording.module_catalogue(),
                  notice=_NOTICES.get(done), result=_assignment_result(request, group),
                  today=today,
                  status_code=(status.HTTP_200_OK if refused_form is None
                               else status.HTTP_422_UNPROCESSABLE_CONTENT))


@router.get("/groups/{group_id}")
def group_page(group_id: uuid.UUID, request: Request, user: CurrentPortalUser,
               db: DbSession, now: Now) -> Response:
    return render_group_page(request, user, db, now, group_id)


def _refused(request: Request, user: PortalUser, db: DbSession, now: Now,
             group_id: uuid.UUID, form: str, values: Mapping[str, str],
             errors: Mapping[str, str]) -> Response:
    return render_group_page(request, user, db, now, group_id,
                             refused_form=RefusedForm(form, values, errors))


@router.post("/groups/{group_id}/rename")
def rename_submit(group_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                  db: DbSession, now: Now, name: Annotated[str, Form()] = "",
                  csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    try:
        body = GroupWrite(name=name)
    except ValidationError:
        return _refused(request, user, db, now, group_id, "rename", {"name": name},
                        {"name": NAME_PROBLEM})
    try:
        rename_participant_group(group_id, body, user.clinician, db, now)
    except HTTPException as refused:
        if refused.status_code != status.HTTP_409_CONFLICT:  # 404: not this clinic's
            raise refusal_from(refused) from None
        return _refused(request, user, db, now, group_id, "rename", {"name": name},
                        {"name": str(refused.detail)})
    return see_other(f"{_page(group_id)}?done=renamed")


@router.post("/groups/{group_id}/archive")
def archive_submit(group_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                   db: DbSession, now: Now, confirmed: Annotated[str, Form()] = "",
                   csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    if confirmed != "yes":
        group = _group(user, db, now, group_id)
        return render(
            request, "confirm.html", user=user, nav_section="groups",
            title=f"Archive \u201c{group.name}\u201d?",
            message=("It leaves the list of groups and takes no new members, sessions or "
                     "assignments; it cannot be brought back from the portal. Its members "
                     "stay listed on it, and its sessions stay on the schedule as they are: "
                     "cancel those still to come from the schedule."),
            action=f"{_page(group_id)}/archive", fields={},
            confirm_label="Yes, archive the group", cancel=_page(group_id))
    try:
        archive_participant_group(group_id, user.clinician, db, now)
    except HTTPException as refused:
        raise refusal_from(refused) from None
    return see_other(f"{_page(group_id)}?done=archived")


# --- Members -----------------------------------------------------------------------------

@router.post("/groups/{group_id}/members")
def add_member_submit(group_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                      db: DbSession, now: Now, participant_id: Annotated[str, Form()] = "",
                      csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    try:
        body = GroupMemberAdd(participant_id=participant_id)  # type: ignore[arg-type]
    except ValidationError:
        return _refused(request, user, db, now, group_id, "member",
                        {"participant_id": participant_id},
                        {"participant_id": MEMBER_PROBLEM})
    try:
        add_group_member(group_id, body, user.clinician, db, now)
    except HTTPException as refused:
        if refused.status_code != status.HTTP_409_CONFLICT:  # 404: not this clinic's
            raise refusal_from(refused) from None
        return _refused(request, user, db, now, group_id, "member",
                        {"participant_id": participant_id},
                        {"participant_id": str(refused.detail)})
    return see_other(f"{_page(group_id)}?done=added#members")


@router.post("/groups/{group_id}/members/{participant_id}/remove")
def remove_member_submit(group_id: uuid.UUID, participant_id: uuid.UUID, request: Request,
                         user: CurrentPortalUser, db: DbSession, now: Now,
                         confirmed: Annotated[str, Form()] = "",
                         csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
                         ) -> Response:
    check_csrf(user, csrf_token, db, now)
    if confirmed != "yes":
        group = _group(user, db, now, group_id)
        member = next((one for one in group.members if one.participant_id == participant_id),
                      None)
        if member is None:
            raise refusal_from(HTTPException(status.HTTP_404_NOT_FOUND,
                                             "This participant is not in this group."))
        return render(
            request, "confirm.html", user=user, nav_section="groups",
            title=f"Take {member.display_name} out of \u201c{group.name}\u201d?",
            message=(f"The group's sessions still to come leave {member.display_name}'s app "
                     "at its next sync. Sessions that took place stay, with any attendance "
                     "recorded, and homework or modules already set stay theirs."),
            action=f"{_page(group_id)}/members/{participant_id}/remove", fields={},
            confirm_label="Yes, take them out of the group", cancel=f"{_page(group_id)}#members")
    try:
        remove_group_member(group_id, participant_id, user.clinician, db, now)
    except HTTPException as refused:
        raise refusal_from(refused) from None
    return see_other(f"{_page(group_id)}?done=removed#members")


# --- Homework and modules for the whole group --------------------------------------------

def _problems(invalid: ValidationError, words: Mapping[str, str]) -> dict[str, str]:
    fields = {str(problem["loc"][0]) for problem in invalid.errors() if problem["loc"]}
    return {field: words[field] for field in fields if field in words}


def _result_location(group_id: uuid.UUID, kind: str, assigned: list[Any],
                     skipped: list[Any], module_id: str | None = None) -> str:
    # Who got it and who was skipped travel as participant ids (never titles or notes:
    # addresses end up in logs).
    location = (f"{_page(group_id)}?done={kind}"
                f"&assigned={','.join(str(one.participant_id) for one in assigned)}"
                f"&skipped={','.join(str(one.participant_id) for one in skipped)}")
    if module_id:
        location += f"&module={module_id}"
    return location + "#assign"


@router.post("/groups/{group_id}/homework")
def homework_submit(group_id: uuid.UUID, request: Request, user: CurrentPortalUser,
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
        return _refused(request, user, db, now, group_id, "homework", values,
                        {"due_on": DATE_PROBLEM})
    try:
        body = HomeworkWrite(title=title, instructions=form_text(instructions), due_on=due,
                             module_id=module_id.strip() or None,
                             exercise_id=exercise_id.strip() or None)
    except ValidationError as invalid:
        return _refused(request, user, db, now, group_id, "homework", values,
                        _problems(invalid, HOMEWORK_PROBLEMS))
    try:
        made = set_group_homework(group_id, body, user.clinician, db, now)
    except HTTPException as refused:
        if refused.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:  # not in the library
            return _refused(request, user, db, now, group_id, "homework", values,
                            library_problem(refused))
        if refused.status_code == status.HTTP_409_CONFLICT:  # archived, or nobody to assign
            return _refused(request, user, db, now, group_id, "homework", values,
                            {"group": str(refused.detail)})
        raise refusal_from(refused) from None  # another clinic's group: 404
    return see_other(_result_location(group_id, "homework", made.assigned, made.skipped))


@router.post("/groups/{group_id}/modules")
def module_submit(group_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                  db: DbSession, now: Now, module_id: Annotated[str, Form()] = "",
                  note: Annotated[str, Form()] = "", due_on: Annotated[str, Form()] = "",
                  csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    values = {"module_id": module_id, "note": note, "due_on": due_on}
    due = form_date(due_on)
    if isinstance(due, str):
        return _refused(request, user, db, now, group_id, "module", values,
                        {"due_on": DATE_PROBLEM})
    try:
        body = ModuleAssignmentWrite(module_id=module_id.strip(),
                                     note=form_text(note).strip() or None, due_on=due)
    except ValidationError as invalid:
        return _refused(request, user, db, now, group_id, "module", values,
                        _problems(invalid, MODULE_PROBLEMS))
    try:
        made = assign_group_module(group_id, body, user.clinician, db, now)
    except HTTPException as refused:
        if refused.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:  # not in the library
            return _refused(request, user, db, now, group_id, "module", values,
                            {"module_id": MODULE_PROBLEMS["module_id"]})
        if refused.status_code == status.HTTP_409_CONFLICT:  # archived, or nobody to assign
            return _refused(request, user, db, now, group_id, "module", values,
                            {"group": str(refused.detail)})
        raise refusal_from(refused) from None  # another clinic's group: 404
    return see_other(_result_location(group_id, "module", made.assigned, made.skipped,
                                      body.module_id))
