"""Numbered migrations. Never edit a released one; add the next."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from inbox_tui.store import search_index

migrations = Migrations("inbox_tui")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE accounts (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            address TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE TABLE customers (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            remote_id TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            thread_subject TEXT NOT NULL DEFAULT '',
            customer_id INTEGER REFERENCES customers(id),
            status TEXT NOT NULL DEFAULT 'open',
            raw_status TEXT NOT NULL DEFAULT '',
            priority INTEGER NOT NULL DEFAULT 0,
            assignee TEXT NOT NULL DEFAULT '',
            unread INTEGER NOT NULL DEFAULT 0,
            awaiting TEXT NOT NULL DEFAULT 'agent',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            waiting_since TEXT NOT NULL,
            last_message_at TEXT NOT NULL DEFAULT '',
            message_count INTEGER NOT NULL DEFAULT 0,
            snippet TEXT NOT NULL DEFAULT '',
            has_attachments INTEGER NOT NULL DEFAULT 0,
            upstream_version TEXT NOT NULL DEFAULT '',
            news_version INTEGER NOT NULL DEFAULT 0,
            sort_key TEXT NOT NULL DEFAULT '',
            snoozed_until TEXT,
            UNIQUE (account, remote_id)
        );
        -- covering indexes: every view reads ids in triage order without touching rows
        CREATE INDEX conversations_queue ON conversations (sort_key, status, awaiting);
        CREATE INDEX conversations_status ON conversations (status, awaiting, sort_key);
        CREATE INDEX conversations_recent ON conversations (status, last_message_at);
        CREATE INDEX conversations_customer ON conversations (customer_id, updated_at);
        CREATE INDEX conversations_thread_subject ON conversations (account, thread_subject);

        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            account TEXT NOT NULL,
            remote_id TEXT,
            message_id TEXT NOT NULL DEFAULT '',
            in_reply_to TEXT NOT NULL DEFAULT '',
            references_json TEXT NOT NULL DEFAULT '[]',
            direction TEXT NOT NULL,
            from_name TEXT NOT NULL DEFAULT '',
            from_email TEXT NOT NULL DEFAULT '',
            to_json TEXT NOT NULL DEFAULT '[]',
            cc_json TEXT NOT NULL DEFAULT '[]',
            date TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            body_text TEXT NOT NULL DEFAULT '',
            attachments_json TEXT NOT NULL DEFAULT '[]',
            folder TEXT NOT NULL DEFAULT '',
            flags TEXT NOT NULL DEFAULT '',
            keywords_json TEXT NOT NULL DEFAULT '[]',
            problems_json TEXT NOT NULL DEFAULT '[]',
            op_id TEXT NOT NULL DEFAULT '',
            UNIQUE (account, remote_id)
        );
        CREATE INDEX messages_conversation ON messages (conversation_id, date);
        CREATE INDEX messages_message_id ON messages (account, message_id);

        -- Message-IDs a message points at (In-Reply-To + References), so a reply that
        -- arrives before its parent still finds its conversation later.
        CREATE TABLE message_refs (
            account TEXT NOT NULL,
            ref_id TEXT NOT NULL,
            message_row INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE
        );
        CREATE INDEX message_refs_ref ON message_refs (account, ref_id);

        CREATE VIRTUAL TABLE messages_fts USING fts5(
            subject, body_text, from_name, from_email,
            content='messages', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, subject, body_text, from_name, from_email)
            VALUES (new.id, new.subject, new.body_text, new.from_name, new.from_email);
        END;
        CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, subject, body_text, from_name, from_email)
            VALUES ('delete', old.id, old.subject, old.body_text, old.from_name, old.from_email);
        END;
        CREATE TRIGGER messages_au AFTER UPDATE OF subject, body_text, from_name, from_email ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, subject, body_text, from_name, from_email)
            VALUES ('delete', old.id, old.subject, old.body_text, old.from_name, old.from_email);
            INSERT INTO messages_fts (rowid, subject, body_text, from_name, from_email)
            VALUES (new.id, new.subject, new.body_text, new.from_name, new.from_email);
        END;

        CREATE TABLE tags (
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (conversation_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX tags_tag ON tags (tag);

        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            remote_id TEXT,
            op_id TEXT NOT NULL DEFAULT '',
            local_only INTEGER NOT NULL DEFAULT 1,
            UNIQUE (conversation_id, remote_id)
        );

        CREATE TABLE operations (
            id TEXT PRIMARY KEY,
            group_id TEXT NOT NULL,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            account TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload_json TEXT NOT NULL,
            undo_json TEXT NOT NULL DEFAULT '{}',
            base_version TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            remote_id TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX operations_state ON operations (state, account, created_at);
        CREATE INDEX operations_conversation ON operations (conversation_id);

        CREATE TABLE operation_log (
            id INTEGER PRIMARY KEY,
            op_id TEXT NOT NULL REFERENCES operations(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            event TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );

        CREATE TABLE drafts (
            conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE draft_versions (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            saved_at TEXT NOT NULL
        );

        CREATE TABLE sync_state (
            account TEXT PRIMARY KEY,
            cursor_json TEXT NOT NULL DEFAULT 'null',
            last_sync_at TEXT NOT NULL DEFAULT '',
            last_error TEXT NOT NULL DEFAULT '',
            offline_since TEXT NOT NULL DEFAULT ''
        );
        """
    )


@migrations()
def m002_triage(db: Database) -> None:
    """Priority score with its reasons, SLA due time, snooze state, rule bookkeeping.

    Existing conversations count as already seen by the rules (no arrival rules fire on
    old mail after an upgrade) and start stale, so the first rescore fills their score.
    """
    columns = (
        "score INTEGER NOT NULL DEFAULT 0",
        "score_json TEXT NOT NULL DEFAULT '[]'",
        "score_stale INTEGER NOT NULL DEFAULT 1",
        "rescore_at TEXT NOT NULL DEFAULT ''",
        "due_at TEXT NOT NULL DEFAULT ''",
        "due_kind TEXT NOT NULL DEFAULT ''",
        "sla_policy TEXT NOT NULL DEFAULT ''",
        "language TEXT NOT NULL DEFAULT ''",
        "routed_view TEXT NOT NULL DEFAULT ''",
        "last_in_row INTEGER NOT NULL DEFAULT 0",
        "rules_seen INTEGER NOT NULL DEFAULT 0",
        "snoozed_at TEXT NOT NULL DEFAULT ''",
        "snooze_mark INTEGER NOT NULL DEFAULT 0",
        "snooze_wake_on_reply INTEGER NOT NULL DEFAULT 1",
        "last_snooze_until TEXT NOT NULL DEFAULT ''",
        "woke_at TEXT NOT NULL DEFAULT ''",
        "woke_reason TEXT NOT NULL DEFAULT ''",
    )
    for column in columns:
        db.execute(f"ALTER TABLE conversations ADD COLUMN {column}")
    # one statement at a time: executescript() would commit the migration's transaction
    for statement in _statements(
        """
        UPDATE conversations SET last_in_row = COALESCE((SELECT max(m.id) FROM messages m
            WHERE m.conversation_id = conversations.id AND m.direction = 'in'), 0);
        UPDATE conversations SET rules_seen = last_in_row, snoozed_until = NULLIF(snoozed_until, ''),
            sort_key = printf('%06d', 500000) || waiting_since || printf('%010d', id);

        -- views read ids in triage order and count without touching the rows
        DROP INDEX conversations_queue;
        CREATE INDEX conversations_queue ON conversations
            (sort_key, status, awaiting, snoozed_until, priority, due_at, assignee);
        CREATE INDEX conversations_triage ON conversations
            (status, awaiting, snoozed_until, priority, due_at, assignee);
        CREATE INDEX conversations_due ON conversations (due_at) WHERE due_at != '';
        CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE snoozed_until IS NOT NULL;
        CREATE INDEX conversations_created ON conversations (customer_id, created_at);
        -- work queues: conversations to rescore, to run the rules on, whose clock moves
        CREATE INDEX conversations_stale ON conversations (id) WHERE score_stale > 0;
        CREATE INDEX conversations_rules ON conversations (id) WHERE last_in_row > rules_seen;
        CREATE INDEX conversations_rescore ON conversations (rescore_at) WHERE rescore_at != '';

        -- a rule runs at most once per conversation and trigger
        CREATE TABLE rule_runs (
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            rule TEXT NOT NULL,
            trigger TEXT NOT NULL,
            at TEXT NOT NULL,
            changes_json TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (conversation_id, rule, trigger)
        ) WITHOUT ROWID;
        -- automatic acknowledgements: at most one per customer and day
        CREATE TABLE auto_replies (
            customer TEXT NOT NULL,
            day TEXT NOT NULL,
            conversation_id INTEGER,
            at TEXT NOT NULL,
            PRIMARY KEY (customer, day)
        ) WITHOUT ROWID;
        """
    ):
        db.execute(statement)


def _statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@migrations()
def m003_triage_indexes(db: Database) -> None:
    """Measured at 100k: the Breaching view read every row through a bare due_at index
    (≈200 ms) and Unanswered read rows for snoozed_until. Covering indexes instead, in
    queue order where a view filters on status and awaiting; one index fewer to keep
    up when scores are rewritten. (``score_json`` from m002 is left unused: ``why()``
    recomputes the terms live, which also keeps them right as time moves.)"""
    for statement in _statements(
        """
        DROP INDEX conversations_status;
        DROP INDEX conversations_triage;
        DROP INDEX conversations_due;
        CREATE INDEX conversations_status ON conversations
            (status, awaiting, sort_key, snoozed_until, priority, due_at, assignee);
        CREATE INDEX conversations_due ON conversations (due_at, status, snoozed_until, sort_key) WHERE due_at != '';
        """
    ):
        db.execute(statement)


@migrations()
def m004_message_conversation_index(db: Database) -> None:
    """Free-text search maps FTS hits (message rowids) to conversations; through this
    compact covering index instead of the wide message rows a word found in most mail
    is ~40% faster at 100k conversations (the search SQL names it: INDEXED BY)."""
    db.execute("CREATE INDEX messages_conversation_of ON messages (id, conversation_id)")


@migrations()
def m005_draft_versions_held_by_reply(db: Database) -> None:
    """A sent draft is kept until upstream confirms its reply: its versions are held by
    the reply operation (``op_id``) instead of being deleted when the reply is queued."""
    db.execute("ALTER TABLE draft_versions ADD COLUMN op_id TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX draft_versions_by_conversation ON draft_versions (conversation_id, op_id, id)")
    db.execute("CREATE INDEX draft_versions_by_op ON draft_versions (op_id) WHERE op_id != ''")


@migrations()
def m006_conversation_search_index(db: Database) -> None:
    """Free text searches conversations (their messages and internal notes), so the
    index holds one row per conversation (``store/search_index.py``); the per-message
    index it replaces made a word found in
    most of 100k conversations cost ~0.6 s to map hits to conversations and count them."""
    for statement in _statements(
        """
        DROP TRIGGER IF EXISTS messages_ai;
        DROP TRIGGER IF EXISTS messages_ad;
        DROP TRIGGER IF EXISTS messages_au;
        DROP TABLE IF EXISTS messages_fts;
        DROP INDEX IF EXISTS messages_conversation_of;
        """
    ):
        db.execute(statement)
    for statement in search_index.SCHEMA:
        db.execute(statement)
    search_index.build(db.conn)
