"""Per-account sync bookkeeping: last sync, last error, offline since."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox_tui.model import utcnow
from inbox_tui.store.base import StoreBase, iso, parse_iso


class SyncStateMixin(StoreBase):
    def record_sync(self, account: str, *, error: str = "", offline: bool = False) -> None:
        now = iso(utcnow())
        with self.transaction() as con:
            con.execute("INSERT OR IGNORE INTO sync_state (account) VALUES (?)", (account,))
            if offline:
                con.execute(
                    "UPDATE sync_state SET last_error = ?, offline_since = CASE WHEN offline_since = '' THEN ? "
                    "ELSE offline_since END WHERE account = ?",
                    (error, now, account),
                )
            else:
                con.execute(
                    "UPDATE sync_state SET last_sync_at = ?, last_error = ?, offline_since = '' WHERE account = ?",
                    (now, error, account),
                )

    def sync_states(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT * FROM sync_state ORDER BY account")]

    def last_sync(self) -> datetime | None:
        row = self.query_one("SELECT max(last_sync_at) FROM sync_state WHERE last_sync_at != ''")
        return parse_iso(row[0]) if row and row[0] else None

    def accounts(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT * FROM accounts ORDER BY name")]
