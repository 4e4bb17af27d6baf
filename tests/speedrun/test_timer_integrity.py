"""The run timer a leaderboard can trust (issue 14): only the pause menu
stops IGT (History, Help, the Endings gallery and the "make the terminal
larger" notice do not), the pause menu hides the story, every pause and I/O
span is logged in ms on the RTA clock, the HUD shows the new attempt's
number and does not redraw while idle, and LiveSplit hears a reset on New
game from the pause menu and on quitting. Time is a hand-driven clock."""

from __future__ import annotations

import pytest
from support import HandClock, speedrun_app

from rocky_adventure.speedrun.run import Run, parse_category
from rocky_adventure.speedrun.timer import RunTimer, ms


@pytest.fixture
def clock():
    return HandClock(1000.0)


def test_every_excluded_span_is_logged_and_igt_is_rta_less_them(clock):
    t = RunTimer(clock)
    t.start()
    clock.advance(2)
    t.pause()
    clock.advance(3)
    t.resume()
    clock.advance(1)
    with t.io():
        clock.advance(0.5)
        t.pause()  # the pause menu opens while the game writes: one span, not two
        clock.advance(2)
        t.resume()
        clock.advance(0.25)  # the write goes on after the pause: still left out
    clock.advance(1)
    t.pause()
    with t.io():  # I/O inside the pause is inside the pause
        clock.advance(1)
    t.resume()
    assert t.pauses == [(2000, 5000), (6500, 8500), (9750, 10750)]
    assert t.io_spans == [(6000, 6500), (8500, 8750)]
    igt, rta = t.times_ms()
    assert rta == 10750 and igt == rta - 3000 - 2000 - 1000 - 500 - 250 == 4000
    # the spans never overlap
    spans = sorted(t.pauses + t.io_spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_a_run_file_logs_its_pauses_and_io(starter, clock):
    run = Run(starter, parse_category(starter, "any"), seed=7, clock=clock)
    run.choose(run.open_choices()[0])
    clock.advance(1)
    run.timer.pause()
    clock.advance(4)
    run.timer.resume()
    with run.timer.io():
        clock.advance(0.125)
    record = run.record()
    assert record["pauses"] == [[1000, 5000]] and record["io"] == [[5000, 5125]]


class FakeBridge:
    """Stands in for the LiveSplit bridge: records what the TUI asks of it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.client = self

    def start(self, run) -> None:
        self.calls.append("start")

    def on_first_choice(self) -> None:
        self.calls.append("starttimer")

    def on_splits(self, events) -> None:
        pass

    def tick(self) -> None:
        pass

    def reset(self) -> None:
        self.calls.append("reset")

    def status(self) -> str:
        return "LiveSplit: test"

    def close(self, timeout: float = 1.0) -> None:
        self.calls.append("close")


async def test_only_the_pause_menu_stops_igt(starter, tmp_path, clock):
    from rocky_adventure.tui.dialogs import TooSmallScreen
    from rocky_adventure.tui.pages import GalleryScreen, HelpScreen, HistoryScreen
    from rocky_adventure.tui.speedrun import SpeedrunHUD
    from rocky_adventure.tui.title import TitleScreen
    from rocky_adventure.tui.widgets import StoryText

    app = speedrun_app(starter, tmp_path, clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("1")  # the start trigger
        await pilot.pause()
        run = app.screen.query_one(SpeedrunHUD).run
        assert run.timer.running

        def times() -> tuple[int, int]:
            return ms(run.timer.igt()), ms(run.timer.rta())

        async def held_open(key_or_size, screen_type) -> None:
            before = times()
            if isinstance(key_or_size, tuple):
                await pilot.resize_terminal(*key_or_size)
            else:
                await pilot.press(key_or_size)
            await pilot.pause()
            assert isinstance(app.screen, screen_type)
            clock.advance(3)
            assert not run.timer.paused, screen_type.__name__
            if isinstance(key_or_size, tuple):
                await pilot.resize_terminal(100, 32)
            else:
                await pilot.press("escape")
            await pilot.pause()
            igt, rta = times()
            assert (igt - before[0], rta - before[1]) == (3000, 3000), screen_type.__name__

        await held_open("h", HistoryScreen)
        await held_open("f1", HelpScreen)
        await held_open("e", GalleryScreen)
        await held_open((50, 15), TooSmallScreen)  # below 60x20
        assert run.timer.pauses == []

        # the pause menu: IGT stops, and the story is not in view
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen) and run.timer.paused
        assert app.game_screen() is None and not app.screen.query(StoryText)
        igt, rta = times()
        clock.advance(3)
        assert times() == (igt, rta + 3000)
        await pilot.press("c")
        await pilot.pause()
        assert not run.timer.paused and app.screen.query_one(SpeedrunHUD).run is run
        assert run.timer.pauses == [(rta, rta + 3000)]


async def test_hud_shows_the_new_attempt_before_the_first_choice(starter, tmp_path, clock):
    from rocky_adventure.tui.speedrun import SpeedrunHUD

    app = speedrun_app(starter, tmp_path, clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        hud = app.screen.query_one(SpeedrunHUD)
        # before the first choice, the attempt this run will be: #1, not #0
        assert str(hud.query_one("#sr-meta").render()).endswith("#1")
        await pilot.press("1")
        await pilot.pause()
        assert str(hud.query_one("#sr-meta").render()).endswith("#1")  # counted now: still #1
        await pilot.press("ctrl+r")
        await pilot.pause()
        hud = app.screen.query_one(SpeedrunHUD)
        assert str(hud.query_one("#sr-meta").render()).endswith("#2")


async def test_hud_does_not_redraw_while_idle(starter, tmp_path, clock):
    from rocky_adventure.tui.speedrun import SpeedrunHUD

    app = speedrun_app(starter, tmp_path, clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        hud = app.screen.query_one(SpeedrunHUD)
        updates: list[str] = []
        for child in hud.children:  # count every redraw the HUD asks of its parts
            original = child.update

            def counted(*args, _original=original, _id=child.id, **kwargs):
                updates.append(_id)
                return _original(*args, **kwargs)

            child.update = counted
        for _ in range(24):  # a second's worth of ticks before the first choice
            hud.refresh_run()
        assert updates == []
        await pilot.press("1")
        await pilot.pause()
        del updates[:]
        clock.advance(0.001)  # under the shown hundredths: nothing to redraw
        for _ in range(24):
            hud.refresh_run()
        assert updates == []
        clock.advance(0.5)  # the digits change: the timer redraws
        hud.refresh_run()
        assert "sr-timer" in updates and "sr-splits" not in updates


async def test_livesplit_resets_on_new_game_from_the_pause_menu_and_on_quit(
    starter, tmp_path, clock
):
    bridge = FakeBridge()
    app = speedrun_app(starter, tmp_path, clock, bridge=bridge)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        assert bridge.calls == ["start", "starttimer"]
        await pilot.press("escape")  # the pause menu
        await pilot.pause()
        await pilot.press("n")  # New game
        await pilot.pause()
        assert bridge.calls[2:] == ["reset", "start"]
        await pilot.press("1")
        await pilot.pause()
        del bridge.calls[:]
        app.quit_now()
        await pilot.pause()
    assert bridge.calls[:1] == ["reset"] and "close" in bridge.calls
