# Browser routes of threshold profiles (issue 4); exclusions and the what-if live in signals.
from django.urls import path

from . import views

urlpatterns = [
    path("", views.profile_list, name="profile-list"),
    path("<int:profile_id>/", views.profile_edit, name="profile-edit"),
    path("<int:profile_id>/history/", views.profile_history, name="profile-history"),
]
