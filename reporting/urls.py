from django.urls import path

from . import ddas, retention_views, views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ddas/", ddas.ddas_download, name="ddas-export"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("monthly/", views.report_list, name="report-list"),
    path("monthly/generate/", views.report_generate, name="report-generate"),
    path("monthly/<int:report_id>/download/", views.report_download, name="report-download"),
    path("letter-templates/", views.template_list, name="template-list"),
    path("letter-templates/<int:template_id>/", views.template_edit, name="template-edit"),
    path("letter-templates/<int:template_id>/preview/", views.template_preview, name="template-preview"),
    path("letter-templates/<int:template_id>/sample.pdf", views.template_sample_pdf, name="template-sample"),
    path("items/<int:item_id>/letters/", views.item_letters, name="item-letters"),
    path("letters/<int:letter_id>/download/", views.letter_download, name="letter-download"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/new/", views.batch_create, name="batch-create"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:batch_id>/download/", views.batch_download, name="batch-download"),
    path("retention/", retention_views.destruction_register, name="destruction-register"),
    path("retention/dry-run/", retention_views.purge_dry_run, name="purge-dry-run"),
]
