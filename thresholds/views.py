from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenancy.access import get_owned_or_404, role_required
from tenancy.models import Role

from . import services
from .forms import SIGNAL_TYPE_LABELS, ThresholdProfileForm
from .models import ThresholdChange, ThresholdProfile


@role_required(Role.ADMINISTRATOR)
def profile_list(request: HttpRequest) -> HttpResponse:
    profiles = ThresholdProfile.objects.for_municipality(request.municipality)  # type: ignore[attr-defined]
    return render(
        request, "thresholds/profile_list.html", {"profiles": profiles, "labels": SIGNAL_TYPE_LABELS}
    )


@role_required(Role.ADMINISTRATOR)
def profile_edit(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_owned_or_404(ThresholdProfile, request, pk=profile_id)
    form = ThresholdProfileForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        change = services.update_threshold_profile(
            profile=profile, values=form.cleaned_data, user=request.user
        )
        if change is None:
            messages.info(request, _("Nothing changed."))
        else:
            messages.success(request, _("The thresholds are saved."))
        return redirect("thresholds:profile-list")
    return render(request, "thresholds/profile_form.html", {"profile": profile, "form": form})


@role_required(Role.ADMINISTRATOR)
def profile_history(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_owned_or_404(ThresholdProfile, request, pk=profile_id)
    changes = ThresholdChange.objects.for_municipality(request.municipality).filter(profile=profile)  # type: ignore[attr-defined]
    labels = {name: ThresholdProfileForm.base_fields[name].label for name in services.EDITABLE_FIELDS}
    return render(
        request, "thresholds/profile_history.html", {"profile": profile, "changes": changes, "labels": labels}
    )
