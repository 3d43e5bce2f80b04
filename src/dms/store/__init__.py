"""The Django app: models, migrations, and bulk load and save (COPY on PostgreSQL)."""
