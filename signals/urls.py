from django.urls import path

from . import views

app_name = "signals"

urlpatterns = [
    path("runs/", views.run_list, name="run-list"),
    path("runs/start/", views.run_start, name="run-start"),
    path("runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<int:run_id>/signals.csv", views.run_export, name="run-export"),
    path("<int:signal_id>/", views.signal_detail, name="signal-detail"),
    path("thresholds/<int:profile_id>/preview/", views.threshold_preview, name="threshold-preview"),
    path("thresholds/what-if/<int:what_if_id>/", views.what_if_detail, name="what-if-detail"),
    path("exclusions/", views.exclusion_list, name="exclusion-list"),
    path("exclusions/<int:exclusion_id>/", views.exclusion_edit, name="exclusion-edit"),
    path("exclusions/<int:exclusion_id>/end/", views.exclusion_end, name="exclusion-end"),
]
