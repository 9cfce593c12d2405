from django.http import HttpRequest

from .models import Membership


def current_municipality(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    others = []
    if membership is not None:
        others = list(
            Membership.objects.filter(user=request.user)
            .exclude(pk=membership.pk)
            .select_related("municipality")
            .order_by("municipality__name")
        )
    return {
        "current_membership": membership,
        "current_municipality": getattr(request, "municipality", None),
        "other_memberships": others,
    }
