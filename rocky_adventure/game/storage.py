"""Everything the game keeps for one story under one data dir: its save
slots, its endings gallery and the text already read. Layout of the data
dir::

    settings.json                          text speed, theme, skip-read (game/settings.py)
    stories/<story id>/saves/<slot>.json   named slots and autosave.json (game/saves.py)
    stories/<story id>/saves/set-aside/    saves that could not be read
    stories/<story id>/gallery.json        endings found, kept across runs (game/gallery.py)
    stories/<story id>/read.json           text already read, across runs (game/readtext.py)

Writes are atomic and keep a backup (game/files.py)."""

from __future__ import annotations

from .gallery import Gallery
from .readtext import ReadText
from .saves import Saves


class Storage(Saves, Gallery, ReadText):
    """The save slots, the gallery and the text already read of one story,
    written through one background writer."""
