"""Subcommands of ``dms``, one module per area; each exposes ``register(registry)``."""
