from django.urls import path

from . import views

app_name = "workbaskets"

urlpatterns = [
    path("", views.overview, name="basket-overview"),
    path("<int:basket_id>/", views.basket_list, name="basket-list"),
    path("<int:basket_id>/bulk/", views.basket_bulk, name="basket-bulk"),
    path("<int:basket_id>/export/", views.basket_export, name="basket-export"),
    path("<int:basket_id>/filters/", views.filter_save, name="filter-save"),
    path("filters/<int:filter_id>/delete/", views.filter_delete, name="filter-delete"),
    path("shared/", views.shared_list, name="shared-list"),
    path("items/<int:item_id>/", views.item_detail, name="item-detail"),
    path("items/<int:item_id>/assign/", views.item_assign, name="item-assign"),
    path("items/<int:item_id>/note/", views.item_note, name="item-note"),
    path("items/<int:item_id>/contact/", views.item_contact, name="item-contact"),
    path("items/<int:item_id>/advance/", views.item_advance, name="item-advance"),
    path("items/<int:item_id>/close/", views.item_close, name="item-close"),
    path("items/<int:item_id>/share/", views.item_share, name="item-share"),
    path("items/<int:item_id>/acknowledge/", views.item_acknowledge, name="item-acknowledge"),
    path("manage/", views.basket_manage, name="basket-manage"),
    path("manage/new/", views.basket_edit, name="basket-create"),
    path("manage/reorder/", views.basket_reorder, name="basket-reorder"),
    path("manage/<int:basket_id>/", views.basket_edit, name="basket-edit"),
    path("manage/<int:basket_id>/move/", views.basket_move, name="basket-move"),
    path("manage/<int:basket_id>/access/", views.basket_access, name="basket-access"),
]
