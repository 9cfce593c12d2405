# Browser routes of the beslagvrije voet calculator and repayment policy (issue 9).
from django.urls import path

from . import bvv_views

urlpatterns = [
    path("bvv/", bvv_views.calculator, name="bvv-calculator"),
    path("bvv/repayment-policy/", bvv_views.repayment_policy, name="bvv-repayment-policy"),
]
