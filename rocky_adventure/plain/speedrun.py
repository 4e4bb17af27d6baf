"""Speedruns in plain mode: the same Run, timer, splits, rules and run file
as the TUI (speedrun/attempts.py), with the splits printed as they fall, so
runs can be scripted.

    printf '1\\n2\\n' | rocky-adventure play --plain --speedrun --category any --seed 7

With `livesplit` (play --plain --speedrun --livesplit [HOST:PORT]) the run
drives LiveSplit as the TUI's does: the same bridge and client, the same
"LiveSplit: ..." status lines (printed when the state changes, before a
prompt), LiveSplit reset at the start of the game and when it ends, and
the game time sent once a second by a ticker thread.

Exit codes: 0 when the run finished its category; 1 when the story ended
without finishing it (another ending than the category's); 2 when input
ended first."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, TextIO

from ..engine import Story
from ..engine.state import State
from ..speedrun.attempts import Attempt, Speedrun
from ..speedrun.livesplit import LiveSplitBridge, LiveSplitClient, parse_address
from ..speedrun.records import Records, format_delta, segment_times
from ..speedrun.run import Category, SplitEvent
from ..speedrun.timer import format_time
from .game import EXIT_DEAD_END, EXIT_ENDING, PlainGame


class SpeedrunPlainGame(PlainGame):
    def __init__(
        self,
        story: Story,
        attempt: Attempt,
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
        width: int | None = None,
    ):
        super().__init__(story, attempt.run.seed or 0, stdin, stdout, stderr, width)
        self.attempt = attempt
        self.run_ = attempt.run
        self.records = attempt.speedrun.records
        self.comparison = attempt.comparison
        self.saved: dict[str, Any] | None = None
        self.bridge: LiveSplitBridge | None = attempt.speedrun.bridge
        self._status_said: str | None = None

    def livesplit_status(self) -> None:
        """Say LiveSplit's state when it has changed since it was last said."""
        if self.bridge is None:
            return
        status = self.bridge.status()
        if status != self._status_said:
            self._status_said = status
            self.say(status)

    def ask(self, n: int, is_continue: bool) -> int | None:
        self.livesplit_status()
        return super().ask(n, is_continue)

    def header(self) -> None:
        run = self.run_
        self.say(
            f"Speedrun: {run.category.title}, {run.seed_type} seed {run.seed}, "
            f"attempt {self.comparison.attempts + 1}"
        )
        self.say("The timer starts on your first choice.")
        self.livesplit_status()

    def start(self) -> State:
        return self.run_.state

    def take(self, state: State, choice_id: str) -> State:
        if self.bridge is not None:
            with self.bridge.client.lock:  # the ticker reads the timer: not in mid-step
                events = self.attempt.choose(choice_id)
        else:
            events = self.attempt.choose(choice_id)
        for e in events:
            self.say(self.split_line(e))
        return self.run_.state

    def split_line(self, e: SplitEvent) -> str:
        if e.skipped:
            return f"[split] {e.name}: skipped"
        pb = (
            self.comparison.pb_splits[e.index] if e.index < len(self.comparison.pb_splits) else None
        )
        assert e.igt_ms is not None
        delta = f" ({format_delta(e.igt_ms - pb, places=3)} against PB)" if pb is not None else ""
        return f"[split] {e.name}: IGT {format_time(e.igt_ms)}, RTA {format_time(e.rta_ms)}{delta}"

    def after_ending(self, state: State) -> State | None:
        run = self.run_
        if run.finished:
            self.finish()
            return None
        if run.category.all_endings:
            found = len(run.splitter.found)
            self.say(
                f"(All Endings: {found} of {len(run.names)} found. The story starts again; the clock runs on.)"
            )
            self.say()
            self.attempt.restart_story()
            return run.state
        self.say(
            f"This ending does not finish the {run.category.title} category: the run is over, unfinished."
        )
        self.finish()
        return None

    def finish(self) -> None:
        run = self.run_
        self.saved = self.attempt.outcome or self.attempt.finish()
        final = run.record()["final"]
        self.say(
            f"Run {'finished' if run.finished else 'ended'}: IGT {format_time(final['igt_ms'])}, "
            f"RTA {format_time(final['rta_ms'])}, {final['choices']} choices."
        )
        if self.saved.get("pb"):
            self.say("New personal best.")
        golds = self.saved.get("golds") or []
        if golds:
            self.say("Gold segments: " + ", ".join(run.names[i] for i in golds))
        segs = segment_times([s.igt_ms for s in run.splits])
        for s, seg in zip(run.splits, segs):
            self.say(f"  {s.name:<16} {format_time(s.igt_ms):>10}  {format_time(seg):>10}")
        if self.saved["path"] is not None:
            self.say(f"Run file: {self.saved['path']}")
        for error in self.records.take_errors():
            print(f"Not saved: {error}", file=self.err)

    def finish_code(self) -> int:
        return EXIT_ENDING if self.run_.finished else EXIT_DEAD_END


def run_plain_speedrun(
    story: Story,
    category: Category,
    seed: int | None,
    data_dir: Path,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    width: int | None = None,
    livesplit: str | None = None,
    tick: float | None = 1.0,
) -> int:
    """A plain-mode run; `livesplit` ("HOST:PORT", "" for the default
    address) drives LiveSplit Server; `tick`: seconds between game time
    updates to LiveSplit (None: only at splits)."""
    records = Records(data_dir, story)
    if records.problem:
        print(records.problem, file=stderr)
    bridge = None
    if livesplit is not None:
        host, port = parse_address(livesplit)
        bridge = LiveSplitBridge(LiveSplitClient(host, port))
    try:
        typed = stdin.isatty()
    except (AttributeError, ValueError, OSError):  # a closed or isatty-less stream
        typed = False
    speedrun = Speedrun(
        story,
        category,
        seed,
        records,
        bridge,
        mode="plain",
        input_kind="terminal" if typed else "pipe",
    )
    if bridge is None:
        return SpeedrunPlainGame(story, speedrun.new_attempt(), stdin, stdout, stderr, width).run()
    stop = threading.Event()
    try:
        # the new-game point: once the first connection attempt is over (so the
        # status line says how it went), LiveSplit starts from a reset timer
        bridge.client.attempted.wait(bridge.client.connect_timeout + 1.0)
        bridge.reset()
        game = SpeedrunPlainGame(story, speedrun.new_attempt(), stdin, stdout, stderr, width)
        if tick is not None:
            threading.Thread(
                target=_ticker, args=(bridge, stop, tick), name="livesplit-tick", daemon=True
            ).start()
        return game.run()
    finally:
        stop.set()
        bridge.close()  # the quit point: reset LiveSplit, send what is queued


def _ticker(bridge: LiveSplitBridge, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        bridge.tick()
