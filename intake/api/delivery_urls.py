# API routes of deliveries for municipality systems (issue 3).
from django.urls import path

from . import delivery_views

urlpatterns = [
    path("deliveries/", delivery_views.DeliveryCreateApi.as_view(), name="delivery-create"),
    path("deliveries/<int:delivery_id>/", delivery_views.DeliveryDetailApi.as_view(), name="delivery-detail"),
    path(
        "deliveries/<int:delivery_id>/errors/",
        delivery_views.DeliveryErrorReportApi.as_view(),
        name="delivery-error-report",
    ),
]
