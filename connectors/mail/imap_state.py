"""The IMAP pull cursor: per folder UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and the UIDs
delivered so far (kept as an IMAP sequence set, "1:4800,4802:5000", so 50,000 mostly
consecutive UIDs cost a few bytes in the JSON cursor).

Invariants the pull keeps (see ``imap_pull``):

* ``uidnext``: every UID below it was looked at (delivered, or reported as unreadable);
  during a first sync it is the resume point.
* ``modseq``: every flag change up to this mod-sequence is reflected in what was delivered
  (0: unknown, the server has no CONDSTORE or nothing completed yet).
* ``uids``: what the store holds for this folder (expunge detection diffs against it).
* ``reset``: after a UIDVALIDITY change, the previous generation's validity and UIDs,
  kept until the re-list completes so the ones that did not come back can be removed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

CURSOR_VERSION = 1


class UidSet:
    """A set of positive ints stored as sorted, disjoint, inclusive ranges."""

    __slots__ = ("_ranges",)

    def __init__(self, uids: Iterable[int] = ()) -> None:
        self._ranges: list[list[int]] = []
        self.update(uids)

    # ---------------------------------------------------------------- text form
    @classmethod
    def parse(cls, text: str) -> UidSet:
        out = cls()
        for part in (text or "").split(","):
            if not part:
                continue
            low, _, high = part.partition(":")
            a, b = int(low), int(high or low)
            out._ranges.append([min(a, b), max(a, b)])
        out._ranges.sort()
        out._normalise()
        return out

    def __str__(self) -> str:
        return ",".join(f"{a}" if a == b else f"{a}:{b}" for a, b in self._ranges)

    # ---------------------------------------------------------------- set API
    def __len__(self) -> int:
        return sum(b - a + 1 for a, b in self._ranges)

    def __bool__(self) -> bool:
        return bool(self._ranges)

    def __iter__(self) -> Iterator[int]:
        for a, b in self._ranges:
            yield from range(a, b + 1)

    def __contains__(self, uid: object) -> bool:
        if not isinstance(uid, int):
            return False
        index = bisect_left(self._ranges, [uid + 1]) - 1
        return index >= 0 and self._ranges[index][0] <= uid <= self._ranges[index][1]

    def max(self) -> int:
        return self._ranges[-1][1] if self._ranges else 0

    def update(self, uids: Iterable[int]) -> None:
        values = sorted(set(uids))
        if not values:
            return
        new: list[list[int]] = []
        for uid in values:
            if new and uid == new[-1][1] + 1:
                new[-1][1] = uid
            else:
                new.append([uid, uid])
        self._ranges = sorted(self._ranges + new)
        self._normalise()

    def discard(self, uids: Iterable[int]) -> None:
        gone = sorted(set(uids))
        if not gone or not self._ranges:
            return
        out: list[list[int]] = []
        index = 0
        for a, b in self._ranges:
            while index < len(gone) and gone[index] < a:
                index += 1
            start = a
            j = index
            while j < len(gone) and gone[j] <= b:
                if gone[j] > start:
                    out.append([start, gone[j] - 1])
                start = gone[j] + 1
                j += 1
            if start <= b:
                out.append([start, b])
        self._ranges = out

    def copy(self) -> UidSet:
        out = UidSet()
        out._ranges = [list(r) for r in self._ranges]
        return out

    def _normalise(self) -> None:
        merged: list[list[int]] = []
        for a, b in self._ranges:
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self._ranges = merged


@dataclass
class FolderState:
    uidvalidity: int
    uidnext: int = 1
    modseq: int = 0
    uids: UidSet = field(default_factory=UidSet)
    reset: tuple[int, UidSet] | None = None
    """``(old_uidvalidity, old_uids)`` while a re-list after a UIDVALIDITY change runs."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "uidvalidity": self.uidvalidity,
            "uidnext": self.uidnext,
            "modseq": self.modseq,
            "uids": str(self.uids),
        }
        if self.reset is not None:
            data["reset"] = {"uidvalidity": self.reset[0], "uids": str(self.reset[1])}
        return data

    @classmethod
    def from_json(cls, data: Any) -> FolderState | None:
        if not isinstance(data, dict):
            return None
        try:
            reset = None
            if isinstance(data.get("reset"), dict):
                reset = (int(data["reset"]["uidvalidity"]), UidSet.parse(str(data["reset"]["uids"])))
            return cls(
                uidvalidity=int(data["uidvalidity"]),
                uidnext=max(1, int(data.get("uidnext", 1))),
                modseq=max(0, int(data.get("modseq", 0))),
                uids=UidSet.parse(str(data.get("uids", ""))),
                reset=reset,
            )
        except (KeyError, TypeError, ValueError):
            return None

    def copy(self) -> FolderState:
        return FolderState(
            self.uidvalidity,
            self.uidnext,
            self.modseq,
            self.uids.copy(),
            None if self.reset is None else (self.reset[0], self.reset[1].copy()),
        )


class Cursor:
    """All folders' state; ``snapshot()`` is the JSON dict stored with a batch."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.folders: dict[str, FolderState] = {}
        if isinstance(data, dict) and data.get("version") == CURSOR_VERSION:
            for name, raw in (data.get("folders") or {}).items():
                state = FolderState.from_json(raw)
                if state is not None:
                    self.folders[str(name)] = state

    def snapshot(self) -> dict[str, Any]:
        return {"version": CURSOR_VERSION, "folders": {name: s.to_json() for name, s in self.folders.items()}}


def remote_id(folder: str, uidvalidity: int, uid: int) -> str:
    """``"<folder>/<uidvalidity>/<uid>"`` — the folder may itself contain ``/``."""
    return f"{folder}/{uidvalidity}/{uid}"


def split_remote_id(value: str) -> tuple[str, int, int] | None:
    """``(folder, uidvalidity, uid)`` or ``None`` when ``value`` is not an IMAP id."""
    folder, _, rest = value.rpartition("/")
    folder, _, validity = folder.rpartition("/")
    if not folder or not validity.isdigit() or not rest.isdigit():
        return None
    return folder, int(validity), int(rest)
