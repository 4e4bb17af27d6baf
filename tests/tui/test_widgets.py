"""The game's widgets measure and wrap text themselves (not through
Textual's cached cell_len, which would keep every word of the story), and
scroll without a scroll bar widget: checked against Textual's own results."""

from __future__ import annotations

from rich.cells import cached_cell_len, cell_len
from textual import events
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region

from rocky_adventure.engine import load_story, new_game
from rocky_adventure.tui.widgets import (
    ChoiceList,
    ChoiceText,
    SceneHeader,
    StoryText,
    cells,
    numbered,
    story_content,
    wrap,
)

ODD_TEXTS = [
    "a" * 200 + " b c",
    "word " * 40,
    "  leading spaces and  double  spaces  ",
    "日本語のテキストです " * 10,
    "tab\there and\tthere",
    "emoji 👍🏽 and 👨‍👩‍👧 sequence " * 5,
    "x",
    "",
    "   ",
    "A \u2014 dash\u2019s \u00e9t\u00e9",
]


def texts(story) -> list[str]:
    state = new_game(story, 1)
    out = [scene.text.render(state) for scene in story.scenes.values()]
    out += [ending.epilogue.render(state) for ending in story.endings.values()]
    return out + ODD_TEXTS


def test_wrap_and_cells_match_textual(starter):
    for text in texts(starter) + texts(load_story()):
        assert cells(text) == cell_len(text)
        for ending in (None, ("An end", "The epilogue, which is long enough to wrap. " * 3)):
            content = story_content(text, ending)
            for width in (1, 2, 7, 17, 40, 76):
                ours, theirs = wrap(content, width), content.wrap(width)
                assert [(line.plain, line.spans) for line in ours] == [
                    (line.plain, line.spans) for line in theirs
                ]
                assert [line.cell_length for line in ours] == [line.cell_length for line in theirs]


class Widgets(App):
    def compose(self) -> ComposeResult:
        yield SceneHeader(id="header")
        yield StoryText(id="story")
        yield ChoiceList(id="choices")


async def test_story_text_and_choices_scroll_without_a_scroll_bar_and_measure_no_text():
    app = Widgets()
    async with app.run_test(size=(40, 14)) as pilot:
        text, choices = app.query_one(StoryText), app.query_one(ChoiceList)
        choices.styles.max_height = 5
        cached_cell_len.cache_clear()
        app.query_one(SceneHeader).set("Moscow", "The long walk to the ring", "turn 12")
        text.show(
            story_content(
                "\n\n".join(f"Paragraph {i}: " + "the crowd roars. " * 6 for i in range(12))
            )
        )
        choices.set_choices(
            [(f"c{i}", f"Choice number {i}, " + "with words " * i) for i in range(12)]
        )
        await pilot.pause()
        assert text.max_scroll_y > 0 and choices.max_scroll_y > 0
        text.scroll_page_down(animate=False)
        choices.highlighted = 11
        await pilot.pause()
        assert text.scroll_offset.y > 0 and choices.scroll_offset.y > 0
        before = text.scroll_offset.y
        text.post_message(
            events.MouseScrollUp(text, 1, 1, 0, -1, 0, False, False, False)
        )  # the wheel
        await pilot.pause()
        assert text.scroll_offset.y < before
        assert text._vertical_scrollbar is None and choices._vertical_scrollbar is None
        lines = [strip.text for strip in choices.render_lines(Region(0, 0, choices.size.width, 5))]
        assert any("Choice number" in line for line in lines)
        # nothing the player reads went into Textual's cell-length cache
        assert cached_cell_len.cache_info().currsize < 20


def test_choice_text_is_content_that_measures_itself():
    choice = numbered(3, "Take the [b]door[/b] and " + "walk " * 20)
    assert isinstance(choice, ChoiceText) and isinstance(choice, Content)
    plain = Content.assemble((" 3 ", "bold $accent"), " ", Content(choice.plain[4:]))
    rules: dict = {}
    assert choice.plain == plain.plain and choice.spans == plain.spans
    assert choice.get_optimal_width(rules, 80) == plain.get_optimal_width(rules, 80)
    assert choice.get_minimal_width(rules) == plain.get_minimal_width(rules)
    for width in (10, 33, 80):
        assert choice.get_height(rules, width) == plain.get_height(rules, width)
