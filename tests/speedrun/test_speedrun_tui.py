"""Speedrun mode in the terminal game: a full run to an ending with splits
shown, results, reset, and undo marking the run invalid."""

from __future__ import annotations

import json

from support import speedrun_app

from rocky_adventure.speedrun.verify import verify_run


class Clock:
    def __init__(self):
        self.t = 50.0

    def __call__(self):
        self.t += 0.25  # every reading moves time on: runs get real, growing times
        return self.t


async def test_full_speedrun_with_splits_results_and_reset(starter, tmp_path):
    from rocky_adventure.tui.speedrun import ResultsScreen, SpeedrunHUD

    app = speedrun_app(starter, tmp_path, Clock(), category="ending:champion")  # two chapters
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        screen = app.screen
        hud = screen.query_one(SpeedrunHUD)
        assert hud.run.choices == [] and not hud.run.timer.running
        for _ in range(60):
            if isinstance(app.screen, ResultsScreen):
                break
            await pilot.press("1")
        assert isinstance(app.screen, ResultsScreen), "the run never finished"
        run = hud.run
        assert run.finished and run.valid and len(run.splits) == 2
        splits_text = str(screen.query_one("#sr-splits").render())
        assert "The Gym" in splits_text and "The Bout" in splits_text
        results = str(app.screen.query_one("#res-title").render())
        assert "NEW PERSONAL BEST" in results
        files = list((tmp_path / "speedrun" / starter.id / "runs").glob("*.json"))
        assert len(files) == 1
        verdict = verify_run(starter, json.loads(files[0].read_text()))
        assert verdict.ok, verdict.reasons
        await pilot.press("r")  # a fresh run, on the same screen
        await pilot.pause()
        assert app.screen is screen
        fresh = screen.query_one(SpeedrunHUD).run
        assert fresh is not run and fresh.choices == [] and fresh.seed == 7
        assert str(screen.query_one("#sr-meta").render()).endswith(
            "#2"
        )  # the new attempt, before its first choice


async def test_undo_needs_two_presses_and_invalidates(starter, tmp_path):
    from rocky_adventure.tui.speedrun import SpeedrunHUD

    app = speedrun_app(starter, tmp_path, Clock())
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("1")
        await pilot.press("1")
        hud = app.screen.query_one(SpeedrunHUD)
        run = hud.run
        turns = run.state.turns
        await pilot.press("u")
        assert run.valid and run.state.turns == turns  # warned, nothing undone
        await pilot.press("u")
        await pilot.pause()
        assert not run.valid and run.invalid_reason == "undo" and run.state.turns == turns - 1
        assert hud.has_class("-invalid")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen.query_one(SpeedrunHUD).run.valid


async def test_pause_menu_stops_igt_and_continue_resumes(starter, tmp_path):
    from rocky_adventure.tui.speedrun import SpeedrunHUD

    app = speedrun_app(starter, tmp_path, Clock())
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("1")
        run = app.screen.query_one(SpeedrunHUD).run
        await pilot.press("escape")  # the pause menu
        await pilot.pause()
        assert run.timer.paused
        paused_igt = run.timer.igt()
        assert run.timer.igt() == paused_igt and run.timer.rta() > paused_igt
        await pilot.press("c")  # continue the run
        await pilot.pause()
        assert not run.timer.paused and app.screen.query_one(SpeedrunHUD).run is run
