"""The ``newsbrief`` subcommands: each module has ``register(subparsers)``."""
