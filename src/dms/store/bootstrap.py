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


def connect() -> None:
    """Start Django and open the database connection, refusing in one line a database that cannot be reached
    or opened (which, without its password, and how to put it right)."""
    from django.db import OperationalError, connection

    from dms.errors import DmsError
    from dms.settings import get_config, redacted_url

    setup()
    config = get_config()
    config.make_data_dir()
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if connection.vendor == "sqlite":
            raise DmsError(
                f"cannot open the database {redacted_url(config.database_url)} ({first_line(error)}): check "
                "DMS_DATABASE_URL: the file's folder must exist and DMS must be allowed to write in it"
            ) from None
        raise DmsError(
            f"cannot reach the database {redacted_url(config.database_url)} ({first_line(error)}): check that the "
            "PostgreSQL server is running and that DMS_DATABASE_URL names it (user, host, port, database); "
            "`dms init` creates a database that does not exist yet"
        ) from None
    if connection.vendor == "sqlite":
        # SQLite opens any file lazily: read its header now, so that a file that is not a database is named
        # in one line here rather than failing in the middle of a command
        from django.db import DatabaseError

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM sqlite_master")
        except DatabaseError as error:
            if "database is locked" in str(error):
                raise DmsError(
                    f"the database {redacted_url(config.database_url)} is locked by another DMS command (SQLite "
                    "has one writer at a time); nothing was changed: run this again when the other command has "
                    "finished"
                ) from None
            raise DmsError(
                f"cannot open the database {redacted_url(config.database_url)} ({first_line(error)}): the file "
                "is not a DMS database (SQLite); check DMS_DATABASE_URL and DMS_DATA_DIR, or move the file "
                "away and run `dms init` to start a new one"
            ) from None


def first_line(error: BaseException) -> str:
    """The first line of a database driver's message (the rest is advice for another program's users)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def ensure_database() -> None:
    """Create or upgrade the database schema (``dms init``); safe to repeat."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    connect()
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
