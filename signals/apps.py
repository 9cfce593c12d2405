from django.apps import AppConfig


class SignalsConfig(AppConfig):
    label = "signals"
    name = "signals"
    default_auto_field = "django.db.models.BigAutoField"
