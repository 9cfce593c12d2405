# Browser routes of deliveries and debtors (issue 3).
from django.urls import path

from . import views

urlpatterns = [
    path("deliveries/", views.delivery_list, name="delivery-list"),
    path("deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery-detail"),
    path("deliveries/<int:delivery_id>/progress/", views.delivery_progress, name="delivery-progress"),
    path("deliveries/<int:delivery_id>/errors/", views.delivery_error_report, name="delivery-error-report"),
    path("debtors/", views.debtor_list, name="debtor-list"),
    path("debtors/<int:debtor_id>/", views.debtor_detail, name="debtor-detail"),
]
