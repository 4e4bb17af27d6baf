"""play --dev in the game: a saved edit reloads in place and puts the player
back where they were; a broken edit shows its errors and play goes on."""

from __future__ import annotations

import shutil

from helpers import ROOT

from rocky_adventure.game.settings import Settings


async def test_dev_reload_keeps_position_and_survives_errors(tmp_path):
    from rocky_adventure.engine.start import Start
    from rocky_adventure.tools.dev import DevSession
    from rocky_adventure.tui.dev import DebugPanel, DevApp
    from rocky_adventure.tui.widgets import StoryText

    story_dir = tmp_path / "story"
    shutil.copytree(ROOT / "examples" / "starter", story_dir)
    app = DevApp(
        lambda: DevSession(story_dir, start=Start(seed=3)),
        seed=3,
        data_dir=tmp_path / "data",
        settings=Settings(text_speed="instant"),
        motion=False,
    )
    async with app.run_test(size=(110, 34)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.press("1")
        await pilot.pause()
        before = app.session.state
        assert before.turns == 1
        assert "liniment" in app.screen.query_one(StoryText)._content.plain
        assert "visits" in str(app.screen.query_one(DebugPanel).render())
        gym = story_dir / "gym.yaml"
        gym.write_text(gym.read_text().replace("liniment", "wintergreen"))
        app.poll_files()
        await pilot.pause()
        after = app.session.state
        assert after.scene == before.scene and after.path == before.path
        assert "wintergreen" in app.screen.query_one(StoryText)._content.plain
        gym.write_text("scenes: [broken")
        app.poll_files()
        await pilot.pause()
        assert app.session.state == after  # still playing the last good story
        assert any("invalid YAML" in n.message for n in app._notifications)
