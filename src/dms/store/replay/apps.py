from django.apps import AppConfig


class StoreReplayConfig(AppConfig):
    name = "dms.store.replay"
    label = "store_replay"
    default_auto_field = "django.db.models.BigAutoField"
