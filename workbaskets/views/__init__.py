from .items import (
    item_acknowledge,
    item_advance,
    item_assign,
    item_close,
    item_contact,
    item_detail,
    item_note,
    item_share,
)
from .manage import basket_access, basket_edit, basket_manage, basket_move, basket_reorder
from .triage import basket_bulk, basket_export, basket_list, filter_delete, filter_save, overview, shared_list

__all__ = [
    "basket_access",
    "basket_bulk",
    "basket_edit",
    "basket_export",
    "basket_list",
    "basket_manage",
    "basket_move",
    "basket_reorder",
    "filter_delete",
    "filter_save",
    "item_acknowledge",
    "item_advance",
    "item_assign",
    "item_close",
    "item_contact",
    "item_detail",
    "item_note",
    "item_share",
    "overview",
    "shared_list",
]
