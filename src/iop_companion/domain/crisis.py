"""Crisis contacts: who a person can reach right now, built from data, never literals."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CrisisContact:
    """One way to get help. Titles are translation keys so every language can say them."""

    id: str
    title_key: str
    detail_key: str
    call: str | None = None
    text: str | None = None
    web: str | None = None
    web_by_locale: dict[str, str] = field(default_factory=dict)
    title_values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionCrisisResources:
    region: str
    contacts: tuple[CrisisContact, ...]
    referral: CrisisContact | None = None


def contact_from_dict(data: dict[str, object]) -> CrisisContact:
    def optional_str(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    return CrisisContact(
        id=str(data["id"]),
        title_key=str(data["title_key"]),
        detail_key=str(data["detail_key"]),
        call=optional_str("call"),
        text=optional_str("text"),
        web=optional_str("web"),
        web_by_locale={str(k): str(v) for k, v in dict(data.get("web_by_locale") or {}).items()},
    )



def web_link(contact: CrisisContact, locale: str) -> str | None:
    """The web chat in the person's language when the service has one."""
    return contact.web_by_locale.get(locale, contact.web)


def clinic_crisis_contact(clinic_name: str | None, crisis_line: str | None) -> CrisisContact | None:
    """The clinic's own crisis line, when the participant is enrolled with one that has it."""
    # A line without a single ASCII digit cannot be dialled; better no button than a broken one.
    if not crisis_line or not any(ch.isascii() and ch.isdigit() for ch in crisis_line):
        return None
    return CrisisContact(
        id="clinic_crisis_line",
        title_key="crisis.clinic.title",
        detail_key="crisis.clinic.detail",
        call=crisis_line,
        title_values={"clinic": clinic_name or ""},
    )


def crisis_contacts(region: RegionCrisisResources,
                    clinic_contact: CrisisContact | None) -> list[CrisisContact]:
    """Contacts in the order a person in crisis needs them: 988, 911, then the clinic."""
    contacts = list(region.contacts)
    if clinic_contact is not None:
        contacts.append(clinic_contact)
    return contacts
