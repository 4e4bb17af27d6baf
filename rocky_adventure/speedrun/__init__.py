"""Speedrun mode: a fair timer, splits on chapter boundaries, seeds, run
files that others can verify, personal bests, and LiveSplit. Nothing here
imports textual: the TUI and plain mode both drive `Run`."""
