from django.apps import AppConfig


class StoreLaConfig(AppConfig):
    name = "dms.store.la"
    label = "store_la"
    default_auto_field = "django.db.models.BigAutoField"
