# API routes of arrears reports for suppliers (issue 5).
from django.urls import path

from . import arrears

urlpatterns = [
    path("arrears-reports", arrears.ArrearsReportListCreateApi.as_view(), name="arrears-report-list"),
    path(
        "arrears-reports/<str:reference>",
        arrears.ArrearsReportDetailApi.as_view(),
        name="arrears-report-detail",
    ),
    path(
        "arrears-reports/<str:reference>/withdraw",
        arrears.ArrearsReportWithdrawApi.as_view(),
        name="arrears-report-withdraw",
    ),
    path("feedback", arrears.FeedbackListApi.as_view(), name="arrears-feedback-list"),
]
