from django.apps import AppConfig


class StorePaymentsConfig(AppConfig):
    name = "dms.store.payments"
    label = "store_payments"
    default_auto_field = "django.db.models.BigAutoField"
