from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("", views.start, name="start"),
    path("municipality/switch/", views.switch_municipality, name="municipality-switch"),
    path("audit/", views.audit_trail, name="audit-trail"),
]
