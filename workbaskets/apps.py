from django.apps import AppConfig


class WorkbasketsConfig(AppConfig):
    name = "workbaskets"
    default_auto_field = "django.db.models.BigAutoField"
