"""The game's application layer, with no UI: one playthrough as a Session
(undo, history, play time, autosave), its saves, gallery and text already
read, the settings, files written atomically on a background thread, and the
text helpers both front ends use. Never imports textual."""
