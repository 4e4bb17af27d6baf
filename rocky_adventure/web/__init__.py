"""The game in a browser: `rocky-adventure serve` (cli/serve.py).

server.py runs an aiohttp server with textual-serve: each browser visitor
gets a `rocky-adventure play --web` process of their own, with a data dir of
their own (visitors.py). Nothing here is imported by the game itself."""
