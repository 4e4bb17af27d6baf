"""The Session the game screen draws: moves, undo, history, autosave, the
gallery, text already read and play time. No Textual here: fast."""

from __future__ import annotations

from rocky_adventure.engine import state_from_json
from rocky_adventure.game.saves import AUTOSAVE
from rocky_adventure.game.session import Session, rebuild_history
from rocky_adventure.game.storage import Storage


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_moves_undo_rewind_and_history(starter, tmp_path, frozen):
    storage = Storage(tmp_path, starter.id, clock=lambda: frozen)
    s = Session.new(starter, 7, storage)
    assert s.choices() == [("go_in", "Go in"), ("go_home", "Turn around and go home")]
    s.choose("go_in")
    s.choose("skip_rope")
    assert s.state.scene == "locker" and s.values()["stamina"] == 7
    assert s.undo() and s.state.turns == 1
    s.choose("ask_mickey")
    history = s.history()
    assert [(p.scene, p.choice) for p in history] == [
        ("gym_door", "Go in"),
        ("locker", "Ask old Mickey to work your corner instead"),
        ("locker", None),
    ]
    assert "Mickey is in your corner" in history[-1].text
    s.rewind(0)
    assert s.state.turns == 0 and not s.undo()
    assert storage.load_save(starter, AUTOSAVE).state == s.state  # every move is autosaved


def test_an_ending_goes_to_the_gallery(starter, tmp_path, frozen):
    storage = Storage(tmp_path, starter.id, clock=lambda: frozen)
    s = Session.new(starter, 7, storage)
    s.choose("go_home")
    assert s.choices() == [] and s.ending() == (
        "An Early Night",
        "You sleep ten hours. Duke never mentions it, which is worse.",
    )
    reached = s.last_ending
    assert reached.new and (reached.found, reached.total) == (1, 4)
    assert list(storage.load_gallery()) == ["went_home"]


def test_text_already_read_is_kept_across_sessions(starter, tmp_path):
    storage = Storage(tmp_path, starter.id)
    s = Session.new(starter, 7, storage)
    text = s.text()
    assert not s.is_read(text)
    s.mark_read(text)
    storage.flush()
    again = Session.new(starter, 8, Storage(tmp_path, starter.id))
    assert again.is_read(again.text())


def test_a_loaded_save_replays_its_history_and_keeps_its_play_time(starter, tmp_path, frozen):
    storage = Storage(tmp_path, starter.id, clock=lambda: frozen)
    clock = Clock()
    s = Session.new(starter, 7, storage, clock)
    for choice in ("go_in", "skip_rope", "spar"):
        s.choose(choice)
    clock.now += 65
    s.pause()
    clock.now += 1000  # paused: not counted
    s.save("slot-a", "A")
    loaded = storage.load_save(starter, "slot-a")
    assert loaded.info.play_time == 65
    resumed = Session.from_save(starter, loaded, storage, clock)
    assert [st.turns for st in resumed.states] == [0, 1, 2, 3]
    assert resumed.state == s.state and not resumed.dirty
    assert resumed.play_time == 65


def test_history_that_no_longer_replays_keeps_the_state(starter):
    s = Session.new(starter, 7)
    s.choose("go_in")
    data = s.state.to_json(starter)
    data["path"] = [["gym_door", "go_home"]]  # as if the story had changed under the save
    moved = state_from_json(starter, data)
    assert rebuild_history(starter, moved) == [moved]


def test_a_long_run_keeps_few_states_and_replays_the_others():
    from rocky_adventure.engine import available_choices, choose, load_story, new_game
    from rocky_adventure.game.session import History

    story = load_story(cache=False)
    states = [new_game(story, 11)]
    while states[-1].ending is None and len(states) < 120:
        st = states[-1]
        opts = available_choices(story, st)
        states.append(choose(story, st, opts[len(states) % len(opts)].id))
    history = History(story, states)
    assert len(history) == len(states) > 40
    assert sum(st is not None for st in history._kept) <= len(states) // History.EVERY + 2
    assert list(history) == states and [history[i] for i in range(len(states))] == states
    assert history[-1] is states[-1]
    assert history.pop() == states[-1] and history[-1] == states[-2]  # undo
    del history[30:]  # rewind
    assert list(history) == states[:30]
    history.append(states[30])
    assert list(history) == states[:31]
    # States that are not one engine step apart are all kept
    odd = [states[0], states[5], states[6], states[7], states[20]]
    assert list(History(story, odd)) == odd
    session = Session(story, states[:3])
    session.states = list(states[:10])  # (a speedrun session sets a list)
    assert isinstance(session.states, History) and session.state == states[9]
