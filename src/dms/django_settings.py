"""Django settings, built from the one configuration object (:mod:`dms.settings`)."""

from __future__ import annotations

import dj_database_url

from dms.settings import get_config

_config = get_config()

SECRET_KEY = _config.secret_key
DEBUG = _config.debug
ALLOWED_HOSTS: list[str] = ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "dms.store",
    "dms.store.la",
    "dms.store.recovery",
    "dms.store.payments",
    "dms.store.replay",
]

_db = dj_database_url.parse(_config.database_url, conn_max_age=0)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
    _db["TEST"] = {"NAME": None}
DATABASES = {"default": _db}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/London"
LANGUAGE_CODE = "en-gb"
