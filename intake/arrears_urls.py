# Browser routes of vroegsignalering: the supplier portal, covenants, settings and cases (issue 5).
from django.urls import path

from .arrears import views

urlpatterns = [
    path("suppliers/", views.supplier_list, name="arrears-supplier-list"),
    path("suppliers/<int:supplier_id>/tokens/", views.supplier_tokens, name="arrears-supplier-tokens"),
    path(
        "suppliers/<int:supplier_id>/tokens/<int:token_id>/revoke/",
        views.supplier_token_revoke,
        name="arrears-supplier-token-revoke",
    ),
    path("suppliers/<int:supplier_id>/upload/", views.supplier_upload, name="arrears-supplier-upload"),
    path("arrears/covenants/", views.covenant_list, name="arrears-covenant-list"),
    path("arrears/covenants/<int:covenant_id>/end/", views.covenant_end, name="arrears-covenant-end"),
    path("arrears/settings/", views.arrears_settings, name="arrears-settings"),
    path("arrears/cases/", views.case_list, name="arrears-case-list"),
    path("arrears/cases/<int:case_id>/", views.case_detail, name="arrears-case-detail"),
]
