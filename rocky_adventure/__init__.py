"""rocky-adventure: a Rocky IV text adventure and a branching-story toolkit."""

__version__ = "0.1.0"
