from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("", views.start, name="start"),
    path("municipality/switch/", views.switch_municipality, name="municipality-switch"),
    path("2fa/", views.two_factor_step, name="two-factor"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("members/", views.member_list, name="member-list"),
    path("members/new/", views.member_form, name="member-create"),
    path("members/<int:membership_id>/", views.member_form, name="member-update"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
]
