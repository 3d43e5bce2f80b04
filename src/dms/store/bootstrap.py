"""Start Django for the command line and the tests: settings from the one configuration object."""

from __future__ import annotations

import os


def setup() -> None:
    """Configure and start Django once (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dms.django_settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def ensure_database() -> None:
    """Create or upgrade the database schema (``dms init``); safe to repeat."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    setup()
    from dms.settings import get_config

    get_config().data_dir.mkdir(parents=True, exist_ok=True)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
