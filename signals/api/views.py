import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView

from signals.models import Signal
from tenancy.api.permissions import IsMunicipalityClient
from tenancy.audit import record_access
from tenancy.models import ApiToken


class SignalListApi(ListAPIView):
    """The signals of one period, for the municipality's own systems: `?period=YYYY-MM`."""

    permission_classes = [IsMunicipalityClient]
    required_scope = ApiToken.Scope.SIGNALS

    class OutputSerializer(serializers.ModelSerializer):
        debtor_ref = serializers.CharField(source="debtor.debtor_ref")
        period = serializers.DateField(format="%Y-%m")

        class Meta:
            model = Signal
            fields = [
                "id",
                "debtor_ref",
                "type",
                "category",
                "period",
                "evidence_key",
                "evidence",
                "has_open_arrears",
            ]

    serializer_class = OutputSerializer

    def period(self) -> datetime.date:
        raw = self.request.query_params.get("period", "")
        try:
            year, month = raw.split("-")
            return datetime.date(int(year), int(month), 1)
        except ValueError as error:
            raise ValidationError({"period": _("Give the period as YYYY-MM.")}) from error

    def get_queryset(self):  # type: ignore[no-untyped-def]
        municipality = self.request.auth.municipality
        return (
            Signal.objects.for_municipality(municipality)
            .filter(period=self.period())
            .select_related("debtor")
            .order_by("debtor__debtor_ref", "type", "evidence_key")
        )

    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().list(request, *args, **kwargs)
        record_access(
            municipality=request.auth.municipality,
            action="export",
            actor=request.user.get_username(),
            object_type="signals.signal",
            detail={"period": request.query_params.get("period", ""), "what": "signals api"},
        )
        return response
