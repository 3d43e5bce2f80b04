from django.apps import AppConfig


class StoreRecoveryConfig(AppConfig):
    name = "dms.store.recovery"
    label = "store_recovery"
    default_auto_field = "django.db.models.BigAutoField"
