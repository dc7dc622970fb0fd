"""A collection of records spread over partitions, each one a TinyDB database.

The only code that touches TinyDB ``Table`` objects; repositories and migrations go
through it. Each call opens a fresh ``TinyDB``/``Table`` pair over the partition's
long-lived ``Storage`` (which holds the data in memory): that costs microseconds and
means no ``Table`` state (next doc_id, query cache) can go stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tinydb import TinyDB
from tinydb.table import Table

from .storage import PartitionBackend

T = TypeVar("T")


class Collection:
    def __init__(self, backend: PartitionBackend, name: str) -> None:
        self.backend = backend
        self.name = name

    def logical(self, part: str) -> str:
        return f"{self.name}/{part}"

    def partitions(self) -> list[str]:
        return self.backend.partitions(self.name)

    def table(self, logical: str) -> Table:
        storage = self.backend.storage(logical)
        # cache_size=0: TinyDB's query cache hands out the same Document objects on
        # every hit, so a caller mutating a result would corrupt later reads.
        return TinyDB(storage=lambda: storage).table(self.name, cache_size=0)

    def docs(self, logical: str) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self.table(logical).all()]

    def mutate(self, logical: str, operation: Callable[[Table], T]) -> T:
        """Run a writing TinyDB operation; on any failure, drop the unsaved state."""
        try:
            return operation(self.table(logical))
        except BaseException:
            # TinyDB edits the dict it read before handing it to Storage.write; if the
            # operation failed part-way, that dict no longer matches the file.
            self.backend.storage(logical).invalidate()
            raise

    def replace(self, logical: str, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Replace the whole table of one partition in a single atomic write.

        Why not ``truncate()`` + ``insert_multiple()``: that is two writes, and a kill
        between them would leave the partition empty. This writes TinyDB's own layout
        (``{table: {doc_id: doc}}``) through the Storage in one step.
        """
        storage = self.backend.storage(logical)
        try:
            tables = dict(storage.read() or {})
            tables[self.name] = {str(doc_id): dict(doc) for doc_id, doc in docs.items()}
            storage.write(tables)
        except BaseException:
            storage.invalidate()
            raise

    def raw_items(self, logical: str) -> dict[int, dict[str, Any]]:
        """Documents by TinyDB doc_id (for in-place rewrites such as migrations)."""
        return {doc.doc_id: dict(doc) for doc in self.table(logical).all()}
