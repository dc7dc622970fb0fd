"""Per-request collaborators: the database session and the request's clock reading."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class ClinicServices:
    """What routes need from the app; nothing here holds state worth keeping."""

    engine: Engine
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]


def services(request: Request) -> ClinicServices:
    found: ClinicServices = request.app.state.clinic
    return found


async def database_session(request: Request) -> AsyncIterator[Session]:
    # An async generator on purpose: a sync one would open and close the session on
    # FastAPI's thread pool, and under load requests holding every pool thread wait for
    # connections that only a closing session (itself waiting for a thread) would free.
    # A session connects lazily, on the request's own thread, and closing it is quick.
    with services(request).sessions() as session:
        yield session


def request_time(request: Request) -> datetime:
    """Read the clock once per request, so every row a request writes agrees on "now"."""
    return services(request).clock()


DbSession = Annotated[Session, Depends(database_session)]
Now = Annotated[datetime, Depends(request_time)]
