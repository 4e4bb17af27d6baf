"""The plain-text front end: the game and speedruns as numbered lines on
stdin and stdout, for screen readers, pipes and scripts. Never imports
textual."""
