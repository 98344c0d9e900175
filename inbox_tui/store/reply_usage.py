"""Where canned replies were used: one row per queued reply that named its canned reply
(``payload.canned``) and was not taken back, with what happened to the conversation since."""

from __future__ import annotations

from typing import Any

from inbox_tui.store.base import StoreBase

_USES = """
SELECT json_extract(o.payload_json, '$.canned') AS slug, o.conversation_id, o.created_at,
       c.status,
       EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = o.conversation_id
               AND m.direction = 'in' AND m.date > o.created_at) AS customer_wrote_after
FROM operations o JOIN conversations c ON c.id = o.conversation_id
WHERE o.kind = 'reply' AND o.state != 'cancelled' AND json_extract(o.payload_json, '$.canned') IS NOT NULL
ORDER BY o.created_at
"""


def reply_uses(store: StoreBase) -> list[dict[str, Any]]:
    """``[{slug, conversation_id, created_at, status, customer_wrote_after}, …]``, oldest first."""
    return [dict(r) for r in store.query(_USES)]
