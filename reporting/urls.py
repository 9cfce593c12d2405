from django.urls import path

from . import ddas

app_name = "reporting"

urlpatterns: list = [
    path("ddas/", ddas.ddas_download, name="ddas-export"),
]
