"""``python -m tests.faults.tui_writer HOME SECONDS``: write like a busy agent in the TUI.

Through the real service on the real home, as fast as it can for SECONDS: draft saves
(the debounced autosave), notes, read marks, tags and now and then a reply. Prints one
JSON object at the end: what it did (so the test can find every write afterwards) and
every error it met (a ``StorageError`` "busy" would mean a writer was locked out).
"""

from __future__ import annotations

import json
import random
import sys
import time

from inbox_tui import bootstrap
from inbox_tui.errors import InboxError


def main(home: str, seconds: float) -> int:
    service = bootstrap.build_service(home)
    ids = service.queue_ids("open")
    rng = random.Random(len(ids))
    drafts: dict[int, str] = {}
    notes: list[str] = []
    replies: list[str] = []
    errors: list[str] = []
    writes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        cid = rng.choice(ids)
        roll = rng.random()
        try:
            if roll < 0.6:
                text = f"draft {writes} for {cid}"
                service.save_draft(cid, text)
                drafts[cid] = text
            elif roll < 0.75:
                text = f"note {writes}"
                service.add_note(cid, text)
                notes.append(text)
            elif roll < 0.85:
                service.mark_read(cid, rng.random() < 0.5)
            elif roll < 0.95:
                service.set_tags(cid, add=[f"t{writes % 5}"])
            elif cid not in drafts:
                op = service.reply(cid, f"reply {writes}")
                replies.append(op.id)
            writes += 1
        except InboxError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    service.store.close()
    print(json.dumps({"writes": writes, "drafts": drafts, "notes": notes, "replies": replies, "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
