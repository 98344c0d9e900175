"""Issue 5's table: the triaged queue at 100,000 conversations, as the agent feels it.

    /work/venv/bin/python bench/triage_bench.py                  # 100k, 5 runs (≈10 min the first time)
    /work/venv/bin/python bench/triage_bench.py --conversations 5000 --out /tmp/q --runs 3

The corpus (``bench/queue_bench.py``'s generator: 100k conversations, ≈300k messages),
its Maildir export and the notmuch index of that export are built once under ``--out``
(gitignored) and reused. Then, in one run:

* the real app (``inbox ui --no-sync``) on a pseudo-terminal (``bench/triage_pty.py``):
  start → the frame that shows the top row; keys (cursor, paging, view switch, ``/``
  search) → the end of the frame that shows their result; the app's peak RSS;
* the same open headless (``App.run_test``) and a minimal Textual app on the same pty,
  for reference;
* the data side and notmuch from ``queue_bench``: searches beside ``notmuch search`` /
  ``notmuch count`` on the same mail, rules over 1,000 arrivals, peak RSS.

Medians over ``--runs`` (key timings: over every press of every run).

The project's bytecode is compiled first (``compileall``, into the gitignored
``__pycache__`` folders), as an installed wheel ships it and as Python writes it on a
user's first start: under ``PYTHONDONTWRITEBYTECODE`` (this machine) every start would
otherwise compile ~75 modules from source (~0.1 s of CPU) while Textual's own come
compiled. ``--no-bytecode`` removes those folders and times the start without them.
``--open-only`` times the start alone, the app and the minimal app alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import queue_bench as qb  # noqa: E402  (puts the project on sys.path too)
from triage_pty import PtyApp  # noqa: E402

from inbox_tui.store import Store  # noqa: E402
from inbox_tui.ui.screens.queue import EMPTY, NO_ACCOUNT  # noqa: E402

INBOX = str(Path(sys.executable).with_name("inbox"))
UI_SEARCHES = (("order number", "4242"), ("customer address", "customer42@example.com"), ("two words", "refund courier"),
               ("common word (95%)", "damaged"), ("fields", "is:unanswered -is:unread"))  # fmt: skip
MINIMAL_APP = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class Minimal(App):\n    def compose(self):\n        yield Static('MINIMAL-PAINTED')\nMinimal().run()\n"
)
TARGETS = {"open": 800, "key": 50, "view": 150, "search": 100, "rules": 1000, "rss": 400}


def med(xs: list[float]) -> float:
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


# ---------------------------------------------------------------------- corpus and home


def prepare(out: Path, conversations: int, notmuch: bool) -> tuple[Path, Path | None]:
    built = qb.build(out, conversations)
    config = None
    if notmuch:
        qb.export_maildir(out / "queue.db", out / "maildir")
        config, indexed = qb.notmuch_index(out)
        if indexed is not None:
            built["notmuch_new_s"] = indexed
            (out / "build.json").write_text(json.dumps(built))
    home = out / "ui-home"
    db = home / "data" / "inbox.db"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text(
            '[app]\nagent_name = "Bench"\nagent_email = "support@marlowlane.example"\n', encoding="utf-8"
        )
        shutil.copy(out / "queue.db", db)
    return home, config


PROJECT = Path(__file__).resolve().parent.parent
PACKAGES = ("inbox_tui", "connectors")


def bytecode(compiled: bool) -> None:
    """Compile the project's modules (quietly), or remove their compiled files."""
    for package in PACKAGES:
        if compiled:
            compileall.compile_dir(PROJECT / package, quiet=1)
        else:
            for cache in (PROJECT / package).rglob("__pycache__"):
                shutil.rmtree(cache, ignore_errors=True)


def ui_service(home: Path) -> qb.InboxService:
    return qb.service_for(Store(home / "data" / "inbox.db"), home)


def subject_bytes(service: qb.InboxService, view: str, search: str | None = None) -> bytes:
    """What the frame must show once ``view`` (narrowed by ``search``) is painted: its top
    row's subject, or the empty-view text."""
    ids = service.queue_ids(view, search)
    if not ids:
        if search:
            text = "No conversation matches this search."
        else:  # the bench home has no account: an empty view says how to add one
            text = EMPTY.get(view, "Nothing here.") if service.config.accounts else NO_ACCOUNT
        return text.encode()
    subject = service.rows(ids[:1])[0].subject
    return subject[: min(40, len(subject))].encode()


def active_tab(service: qb.InboxService, view: str, search: str | None = None) -> bytes:
    """The active tab's label with its count (one segment on the wire)."""
    title = next(v.title for v in service.views() if v.key == view)
    return f" {title} {service.view_counts(search)[view]:,} ".encode()


def shows(*markers: bytes) -> Callable[[bytes], bool]:
    return lambda out: all(m in out for m in markers)


# ---------------------------------------------------------------------- the app on a pty


def pty_session(home: Path, presses: int, search_only: bool = False) -> dict[str, list[float]]:
    """One app process: open, then keys. Samples in ms: ``<name>`` wall to the frame that
    shows the result, ``<name> cpu`` the app's CPU per press (summed over the presses).
    ``search_only``: open, then the searches alone (no cursor keys, no tabs)."""
    service = ui_service(home)
    views = [v.key for v in service.views()]
    top = subject_bytes(service, "open")
    env = {**os.environ, "INBOX_TUI_THEME": "gruvbox"}
    samples: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        samples.setdefault(name, []).append(seconds * 1000)

    app = PtyApp([INBOX, "--home", str(home), "ui", "--no-sync"], env)
    try:
        add("open", app.wait_painted(shows(top, active_tab(service, "open"))) - app.started)
        add("open cpu", app.cpu_s())
        app.quiet(0.5, cap=30)  # the clock refresh after the first paint
        while search_only:  # searching at once: wait until the app's start-up work is over
            before = app.cpu_s()
            time.sleep(0.3)
            if app.cpu_s() - before < 0.02:
                break
        plan = (("down", presses), ("up", presses // 2), ("pagedown", presses), ("pageup", presses // 2),
                ("end", 1), ("home", 1)) if not search_only else ()  # fmt: skip
        for key, count in plan:
            used = 0.0
            for _ in range(count):
                app.quiet(0.1)
                before = app.cpu_s()
                first, last = app.press(key)
                used += app.cpu_s() - before
                add(f"key {key}", last)
                add(f"key {key} first", first)
            add(f"key {key} cpu", used / count)
        current = "open"
        for step in range(0 if search_only else 2 * len(views)):  # every tab twice (first visit, going back), back to All open
            target = views[(views.index(current) + 1) % len(views)]
            name = f"view {target}" + (" again" if step >= len(views) else "")
            markers = (subject_bytes(service, target), active_tab(service, target))
            app.quiet(0.3)
            before = app.cpu_s()
            add(name, app.press_until("tab", shows(*markers)))
            app.quiet(0.3)
            add(f"{name} cpu", app.cpu_s() - before)
            current = target
        for label, query in UI_SEARCHES * (3 if search_only else 1):
            app.press("slash")
            before = app.cpu_s()
            markers = (subject_bytes(service, "open", query), active_tab(service, "open", query))
            early = service.search_first_page("open", query)
            app.type(query)
            app.quiet(0.15, cap=0.15)  # typed and shown; Enter before the 0.25 s as-you-type pause ends
            since, sent = len(app.output), time.perf_counter()
            os.write(app.fd, b"\r")
            try:
                if early:  # the early page of a search over common words
                    top_early = service.rows(early[:1])[0].subject[:40].encode()
                    add(f"search {label} first page", app.wait_painted(shows(top_early), since, 30) - sent)
                add(f"search {label}", app.wait_painted(shows(*markers), since, 30) - sent)
                other = service.view_counts(query).get("unanswered")
                if other:  # the other tabs' counts follow the list
                    add(f"search {label} every count", app.wait_painted(shows(f"{other:,} ".encode()), since, 30) - sent)
            except TimeoutError:  # the as-you-type search won the race: no sample
                add(f"search {label}", float("nan"))
            app.quiet(0.3)
            add(f"search {label} cpu", app.cpu_s() - before)
            app.press("escape")
            app.quiet(0.5, cap=60)
        samples["rss"] = [app.peak_rss_mb()]
    finally:
        app.close()
        service.store.close()
    return samples


def app_open_ms(home: Path, markers: tuple[bytes, ...]) -> tuple[float, float]:
    """``inbox ui --no-sync`` from exec to the frame showing ``markers``: wall ms, CPU ms."""
    env = {**os.environ, "INBOX_TUI_THEME": "gruvbox"}
    app = PtyApp([INBOX, "--home", str(home), "ui", "--no-sync"], env)
    try:
        wall = (app.wait_painted(shows(*markers)) - app.started) * 1000
        cpu = app.cpu_s() * 1000
        app.quiet(0.3, cap=3)  # as a session does: the work after the first paint (it keeps the parsed CSS) is done
        return wall, cpu
    finally:
        app.close()


def open_only(home: Path, runs: int) -> None:
    """The open alone, alternating the app and the minimal app so both meet the same load."""
    service = ui_service(home)
    markers = (subject_bytes(service, "open"), active_tab(service, "open"))
    service.store.close()
    walls, cpus, minimal = [], [], []
    for run in range(runs):
        first_app = run % 2 == 0  # alternate which goes first
        if not first_app:
            minimal.append(minimal_open_ms())
        wall, cpu = app_open_ms(home, markers)
        walls.append(wall)
        cpus.append(cpu)
        if first_app:
            minimal.append(minimal_open_ms())
        print(f"run {run + 1}/{runs}: open {wall:.0f} ms (CPU {cpu:.0f}), minimal app {minimal[-1]:.0f} ms; "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    app_med, min_med = med(walls), med(minimal)
    print(f"\nopen: median {app_med:.0f} ms (runs {', '.join(f'{w:.0f}' for w in walls)}), CPU {med(cpus):.0f} ms")
    print(f"minimal app: median {min_med:.0f} ms (runs {', '.join(f'{w:.0f}' for w in minimal)})")
    print(f"ratio: {app_med / min_med:.2f}× the minimal app (target ≤ 1.78×; {verdict(app_med, TARGETS['open'])} < 800 ms)")


def minimal_open_ms() -> float:
    app = PtyApp([sys.executable, "-c", MINIMAL_APP], dict(os.environ))
    try:
        return (app.wait_painted(shows(b"MINIMAL-PAINTED")) - app.started) * 1000
    finally:
        app.close()


# ---------------------------------------------------------------------- headless


def headless_child(home: str, marker: str) -> None:
    """Run in a fresh process: build the app as ``inbox ui`` does, ``run_test`` it, say
    "painted" once the compositor's strips show ``marker``, and leave at once."""
    from inbox_tui import bootstrap, keymap, paths
    from inbox_tui.ui.app import InboxApp

    paths.set_home(Path(home))

    async def run() -> None:
        app = InboxApp(bootstrap.build_service(Path(home)), keymap.load("default"))
        async with app.run_test(size=(120, 40)):
            while True:
                if getattr(app.screen, "loads", 0):
                    text = "\n".join(s.text for s in app.screen._compositor.render_strips())
                    if marker in text:
                        print("painted", flush=True)
                        os._exit(0)
                await asyncio.sleep(0.002)

    asyncio.run(run())


def headless_open_ms(home: Path, marker: bytes) -> float:
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--headless-child", str(home), marker.decode()], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = (time.perf_counter() - started) * 1000
    child.wait()
    assert line.strip() == "painted", line
    return elapsed


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------------- data side and notmuch


def timed(fn: Callable[[], object], runs: int, setup: Callable[[], object] | None = None) -> tuple[float, float]:
    """Median wall ms and median CPU ms of this process (SQLite runs in it); ``setup``
    runs before each sample, untimed."""
    walls, cpus = [], []
    for _ in range(runs):
        if setup is not None:
            setup()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def timed_process(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall ms and median CPU ms of a whole child process."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), children_cpu_s()
        subprocess.run(argv, capture_output=True, check=True)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((children_cpu_s() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def data_side(service: qb.InboxService, nm_config: Path | None, runs: int, out: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    print("\n| data side, in process | wall ms | CPU ms | note |\n|---|---:|---:|---|")
    def cold_ids(view: str) -> None:
        service.triage._ids_stamp = None  # as after a change: no remembered list
        service.queue_ids(view)

    for view in service.views():
        wall, cpu = timed(lambda v=view.key: cold_ids(v), runs)
        print(f"| ids of {view.title} | {wall:.0f} | {cpu:.0f} | {len(service.queue_ids(view.key)):,} rows |")

    def cold() -> None:
        service.triage._counts = None
        service.view_counts()

    wall, cpu = timed(cold, runs)
    print(f"| counts of every view after a change | {wall:.0f} | {cpu:.0f} | remembered until the next change |")
    ids = service.queue_ids("open")
    wall, cpu = timed(lambda: service.rows(ids[5000:5100]), runs)
    print(f"| rows of one 100-row page | {wall:.1f} | {cpu:.1f} | |")
    top = ids[0]
    wall, cpu = timed(lambda: service.why(top), runs)
    print(f"| why(id) | {wall:.1f} | {cpu:.1f} | |")
    rules = qb.rules_numbers(out, runs)
    for label, ms, note in rules:
        print(f"| {label} | {ms:.0f} | | {note} |")
    rss = qb.memory_mb(out)
    print(f"| peak RSS, a process doing the app's data side at 100k | {rss:.0f} MB | | |")
    found["rules"] = rules
    found["rss"] = rss

    print("\n| search (All open) | query | hits | the list, wall / CPU ms | every tab's count, after a change, wall ms "
          "| … the next search, wall ms | `inbox search` process wall ms "
          "| notmuch query | `notmuch search` wall ms | its CPU ms | `notmuch count` wall ms | notmuch threads |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    inbox = INBOX
    triage = service.triage

    def on_screen() -> None:  # the view on screen is remembered; this search is new
        service.queue_ids("open")
        triage._hit_sets.clear()
        triage._counts = None

    def after_change() -> None:  # only the view on screen is remembered
        triage._ids_stamp = None
        on_screen()

    for label, ours, theirs in qb.SEARCHES:
        hits = len(service.queue_ids("open", ours))
        wall, cpu = timed(lambda q=ours: service.queue_ids("open", q), runs, on_screen)
        counts_cold, _ = timed(lambda q=ours: service.view_counts(q), runs, after_change)
        counts_warm, _ = timed(lambda q=ours: service.view_counts(q), runs, on_screen)
        argv = [inbox, "--home", str(out / "home"), "search", ours, "--limit", "100000", "--json"]
        cli_wall, _ = timed_process(argv, max(3, runs // 2))
        nm = "| — | — | — | — | — |"
        if nm_config is not None and theirs is not None:
            search = ["notmuch", f"--config={nm_config}", "search", "--output=threads", theirs]
            count = ["notmuch", f"--config={nm_config}", "count", "--output=threads", theirs]
            threads = subprocess.run(count, capture_output=True, text=True, check=True).stdout.strip()
            s_wall, s_cpu = timed_process(search, max(3, runs // 2))
            c_wall, _ = timed_process(count, max(3, runs // 2))
            nm = f"| `{theirs}` | {s_wall:.0f} | {s_cpu:.0f} | {c_wall:.0f} | {threads} |"
        print(f"| {label} | `{ours}` | {hits:,} | {wall:.0f} / {cpu:.0f} | {counts_cold:.0f} | {counts_warm:.0f} | {cli_wall:.0f} {nm}")
        found[f"search {label}"] = (wall, cpu, counts_cold, counts_warm, cli_wall, nm)
    return found


# ---------------------------------------------------------------------- report


def verdict(ms: float, target: float) -> str:
    return "✓" if ms < target else "✗"  # NaN: ✗


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=100_000)
    ap.add_argument("--out", default="bench/out/queue")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keys", type=int, default=20, help="presses per key and run")
    ap.add_argument("--no-notmuch", action="store_true")
    ap.add_argument("--ui-only", action="store_true")
    ap.add_argument("--data-only", action="store_true", help="skip the app on a pty")
    ap.add_argument("--search-only", action="store_true", help="on the pty: open and the searches (no keys, tabs, headless)")
    ap.add_argument("--open-only", action="store_true", help="only the open, app and minimal app alternating")
    ap.add_argument("--no-bytecode", action="store_true", help="time the app without its compiled modules")
    ap.add_argument("--headless-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.headless_child:
        headless_child(*args.headless_child)
        return
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    home, nm_config = prepare(out, args.conversations, not args.no_notmuch)
    bytecode(not args.no_bytecode)
    print(f"the project's bytecode: {'removed' if args.no_bytecode else 'compiled'}")
    if args.open_only:
        open_only(home, args.runs)
        return
    service = ui_service(home)
    total = service.store.query_one("SELECT count(*), (SELECT count(*) FROM messages) FROM conversations")
    top = subject_bytes(service, "open")
    print(f"cache: {total[0]:,} conversations, {total[1]:,} messages; python {sys.version.split()[0]}; {os.cpu_count()} cores")

    ui: dict[str, list[float]] = {}
    minimal: list[float] = []
    headless: list[float] = []
    headless_cpu: list[float] = []
    if args.data_only:
        data_side(service, nm_config, args.runs, out)
        return
    for run in range(args.runs):
        for name, xs in pty_session(home, args.keys, args.search_only).items():
            ui.setdefault(name, []).extend(xs)
        minimal.append(minimal_open_ms())
        before = children_cpu_s()
        headless.append(float("nan") if args.search_only else headless_open_ms(home, top))
        headless_cpu.append((children_cpu_s() - before) * 1000)
        print(f"run {run + 1}/{args.runs}: open {ui['open'][-1]:.0f} ms (pty), {headless[-1]:.0f} ms (headless), "
              f"minimal app {minimal[-1]:.0f} ms; load {os.getloadavg()[0]:.1f}", flush=True)

    rows: list[tuple[str, float, float, float]] = []
    rows.append(("open → painted queue: `inbox ui` on a pty", med(ui["open"]), med(ui["open cpu"]), TARGETS["open"]))
    rows.append(("open → painted queue: headless `run_test` process", med(headless), med(headless_cpu), float("nan")))
    rows.append(("a minimal Textual app on the same pty (reference)", med(minimal), float("nan"), float("nan")))
    for key in ("down", "up", "pagedown", "pageup", "end", "home") if not args.search_only else ():
        xs = ui[f"key {key}"]
        label = f"key `{key}` → last frame (first frame {med(ui[f'key {key} first']):.0f}; n={len(xs)}, max {max(xs):.0f})"
        rows.append((label, med(xs), med(ui[f"key {key} cpu"]), TARGETS["key"]))
    for name in [n for n in ui if n.startswith("view ") and not n.endswith(" cpu")]:
        what = name[5:].replace(" again", ", going back to it")
        rows.append((f"tab → {what}: rows and counts painted", med(ui[name]), med(ui[f"{name} cpu"]), TARGETS["view"]))
    for name in [n for n in ui if n.startswith("search ") and not n.endswith((" cpu", " first page", " every count"))]:
        if f"{name} first page" in ui:
            rows.append((f"`/` {name[7:]}: Enter → first page painted", med(ui[f"{name} first page"]), float("nan"), TARGETS["search"]))
        rows.append((f"`/` {name[7:]}: Enter → every result listed, its tab's count painted", med(ui[name]), med(ui[f"{name} cpu"]), TARGETS["search"]))
        if f"{name} every count" in ui:
            rows.append((f"`/` {name[7:]}: … every other tab's count painted", med(ui[f"{name} every count"]), float("nan"), float("nan")))
    print(f"\nload average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n| measurement (the app on a pty) | wall ms (median) | app CPU ms | target | wall | CPU |\n|---|---:|---:|---|---|---|")
    for label, wall, cpu, target in rows:
        ok = (verdict(wall, target), verdict(cpu, target) if cpu == cpu else "") if target == target else ("", "")
        cpu_text = f"{cpu:.0f}" if cpu == cpu else "—"
        target_text = f"< {target:.0f} ms" if target == target else "reference"
        print(f"| {label} | {wall:.0f} | {cpu_text} | {target_text} | {ok[0]} | {ok[1]} |")
    rss = max(ui["rss"])
    print(f"| app peak RSS after all of the above | {rss:.0f} MB | | < 400 MB | {verdict(rss, 400)} | |")

    results: dict[str, object] = {"ui": ui, "minimal": minimal, "headless": headless, "headless_cpu": headless_cpu}
    if args.search_only:  # a partial run: the full run's results stay; every sample printed
        for name, xs in ui.items():
            if name.startswith("search ") and not name.endswith(" cpu"):
                print(f"samples {name}: {', '.join(f'{x:.0f}' for x in xs)}")
        return
    if not args.ui_only:
        results["data"] = data_side(service, nm_config, args.runs, out)
    (out / "triage_results.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
