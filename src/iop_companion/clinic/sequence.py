"""The server's sequence numbers and epoch, kept in the single `server_state` row.

Every change a pull can see (a stored participant record, a published change) takes
its number here, so one counter orders everything for every worker.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from iop_companion.clinic.models import ServerState

SERVER_STATE_ID = 1


def server_epoch(db: Session) -> str:
    epoch = db.scalar(select(ServerState.epoch).where(ServerState.id == SERVER_STATE_ID))
    if epoch is None:  # only a database that skipped migration 0003
        raise RuntimeError("the clinic database has no server_state row")
    return epoch


def next_server_seq(db: Session) -> int:
    """Take the next server sequence number inside the caller's transaction.

    Why an UPDATE of the single server_state row: it holds that row's lock until the
    transaction commits or rolls back, so the next caller (in any worker) waits and
    numbers are handed out in commit order. A reader can therefore never see number
    N+1 while N is still uncommitted, and a pull cursor never skips a change that
    commits late. Rolling back gives the number back.
    """
    seq: int = db.execute(
        update(ServerState)
        .where(ServerState.id == SERVER_STATE_ID)
        .values(last_seq=ServerState.last_seq + 1)
        .returning(ServerState.last_seq),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    return seq
