"""Use cases of work baskets: defaults, set-based routing, access, and the life of a work item."""

from .access import (
    TEAM_GROUP_PREFIX,
    TRIAGE_PERMISSION,
    grant_basket,
    revoke_basket,
    team_group,
    team_group_name,
)
from .baskets import (
    Preview,
    create_default_baskets,
    move_basket,
    preview_baskets,
    reorder_baskets,
    save_basket,
)
from .facts import facts_from_json, facts_to_json
from .items import (
    acknowledge_new_signals,
    add_note,
    advance_step,
    assign_items,
    change_status,
    close_item,
    outcome_choices,
    pick_up_cases,
    record_contact_attempt,
    share_item,
)
from .placement import RoutingResult, reroute_unstarted, route_new_work, routing_baskets

__all__ = [
    "TEAM_GROUP_PREFIX",
    "TRIAGE_PERMISSION",
    "Preview",
    "RoutingResult",
    "acknowledge_new_signals",
    "add_note",
    "advance_step",
    "assign_items",
    "change_status",
    "close_item",
    "create_default_baskets",
    "facts_from_json",
    "facts_to_json",
    "grant_basket",
    "move_basket",
    "outcome_choices",
    "pick_up_cases",
    "preview_baskets",
    "record_contact_attempt",
    "reorder_baskets",
    "reroute_unstarted",
    "revoke_basket",
    "route_new_work",
    "routing_baskets",
    "save_basket",
    "share_item",
    "team_group",
    "team_group_name",
]
