"""The game's own themes, and the few of Textual's that the settings offer
beside them (every Textual theme still works as App.theme)."""

from __future__ import annotations

from textual.theme import Theme

ROCKY = Theme(
    name="rocky",
    primary="#D7263D",  # the red of the trunks
    secondary="#2B5D9B",  # the blue of the robe
    accent="#F2B134",  # the gold of the belt
    warning="#F2B134",
    error="#E5484D",
    success="#5DB56A",
    foreground="#EFE6DA",
    background="#15110F",
    surface="#1E1916",
    panel="#2C231E",
    dark=True,
    variables={
        "footer-key-foreground": "#F2B134",
        "block-cursor-background": "#D7263D",
        "block-cursor-foreground": "#FFFFFF",
    },
)

SIBERIA = Theme(
    name="siberia",
    primary="#6FA8DC",  # ice
    secondary="#9FB4C7",
    accent="#E9F1F7",  # snow
    warning="#E0B25B",
    error="#D1495B",
    success="#7FC8A9",
    foreground="#DCE6EE",
    background="#0D141C",
    surface="#132030",
    panel="#1B2B3D",
    dark=True,
    variables={"footer-key-foreground": "#9CC9F0"},
)

THEMES = (ROCKY, SIBERIA)

# Textual's themes that suit the game: dark and warm or cold like its own,
# and one light theme. Few, so the settings' list fits at 80x24.
STOCK_THEMES = ("gruvbox", "nord", "tokyo-night", "textual-light")


def offered_themes(available, current: str | None = None) -> list[str]:
    """The themes the settings offer, in order: the game's, the stock ones
    above that Textual has, and the current theme if it is neither."""
    names = [t.name for t in THEMES] + [n for n in STOCK_THEMES if n in available]
    if current and current in available and current not in names:
        names.append(current)
    return names
