"""The free-text index: one FTS5 row per conversation (rowid = conversation id).

A search lists conversations, so the index holds conversations: the words of every
message of one (subjects, bodies, senders) and of its internal notes are one FTS5
document. Mapping message hits
to their conversations cost ~170 ms for a word found in most of 100k conversations;
listing conversation rowids costs ~5 ms.

Keeping it current without re-reading a conversation per message: triggers on
``messages`` and ``notes`` note the conversations whose text changed in ``search_stale``, and
``reindex_stale`` rewrites their rows once, just before the transaction that changed them
commits (``StoreBase.transaction``). The index stores its own copy of the text (a plain
FTS5 table), so a stale row is deleted by rowid — an external-content index would need
the exact old text of a conversation that has already changed.
"""

from __future__ import annotations

import sqlite3

def _stale_triggers(table: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """Triggers that note the conversation whose words ``table`` changed (both of them
    when a row moves). An update that rewrites the same text notes nothing: helpdesks
    send whole tickets again on every change."""
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("conversation_id", *columns))
    note = "INSERT OR IGNORE INTO search_stale VALUES ({}.conversation_id);"
    return (
        f"CREATE TRIGGER {table}_search_ai AFTER INSERT ON {table} BEGIN {note.format('new')} END",
        f"CREATE TRIGGER {table}_search_ad AFTER DELETE ON {table} BEGIN {note.format('old')} END",
        f"CREATE TRIGGER {table}_search_au AFTER UPDATE OF conversation_id, {', '.join(columns)} ON {table} "
        f"WHEN {changed} BEGIN {note.format('old')} {note.format('new')} END",
    )


SCHEMA: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE conversations_fts USING fts5("
    "subject, body, people, notes, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TABLE search_stale (conversation_id INTEGER PRIMARY KEY)",
    *_stale_triggers("messages", ("subject", "body_text", "from_name", "from_email")),
    *_stale_triggers("notes", ("body",)),
)
"""The index and the triggers that keep it current (created by migration m006)."""

_DOCUMENTS = (
    "SELECT m.conversation_id, group_concat(DISTINCT m.subject), "
    "group_concat(m.body_text, char(10)), group_concat(DISTINCT m.from_name || ' ' || m.from_email), "
    "(SELECT group_concat(n.body, char(10)) FROM notes n WHERE n.conversation_id = m.conversation_id) "
    "FROM messages m {where} GROUP BY m.conversation_id"
)
_INSERT = "INSERT INTO conversations_fts (rowid, subject, body, people, notes) "


def build(con: sqlite3.Connection) -> None:
    """Index every conversation (the migration that creates the index)."""
    con.execute(_INSERT + _DOCUMENTS.format(where=""))


def reindex_stale(con: sqlite3.Connection) -> int:
    """Rewrite the rows of conversations whose messages changed in this transaction.
    Cheap when nothing changed (one lookup). Returns how many were rewritten."""
    if con.execute("SELECT 1 FROM search_stale LIMIT 1").fetchone() is None:
        return 0
    stale = "SELECT conversation_id FROM search_stale"
    con.execute(f"DELETE FROM conversations_fts WHERE rowid IN ({stale})")
    written = con.execute(_INSERT + _DOCUMENTS.format(where=f"WHERE m.conversation_id IN ({stale})")).rowcount
    con.execute("DELETE FROM search_stale")
    return written
