# API routes of signals for municipality systems (issue 4).
from django.urls import path

from .views import SignalListApi

urlpatterns = [
    path("signals", SignalListApi.as_view(), name="signal-list"),
]
