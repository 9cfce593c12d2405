"""REST API for a municipality's own systems: upload a delivery file and poll its import."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from intake import services
from intake.forms import PeriodField
from intake.models import Delivery
from tenancy.api.permissions import IsMunicipalityClient
from tenancy.audit import record_access
from tenancy.models import ApiToken, AuditLogEntry


class DeliveryOutputSerializer(serializers.ModelSerializer):
    period = serializers.DateField(format="%Y-%m")
    url = serializers.SerializerMethodField()
    error_report_url = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "url",
            "kind",
            "period",
            "status",
            "strict",
            "message",
            "rows_total",
            "rows_done",
            "rows_rejected",
            "counts",
            "error_report_url",
            "created_at",
            "finished_at",
        ]

    def get_url(self, delivery: Delivery) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:delivery-detail", kwargs={"delivery_id": delivery.pk})
        )

    def get_error_report_url(self, delivery: Delivery) -> str | None:
        if not delivery.error_report:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:delivery-error-report", kwargs={"delivery_id": delivery.pk})
        )


class PeriodSerializerField(serializers.CharField):
    def to_internal_value(self, data: object):  # type: ignore[no-untyped-def]
        from django.core.exceptions import ValidationError

        try:
            return PeriodField().clean(str(data))
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class DeliveryCreateApi(APIView):
    permission_classes = [IsMunicipalityClient]
    required_scope = ApiToken.Scope.DELIVERIES
    parser_classes = [MultiPartParser]

    @extend_schema_serializer(component_name="DeliveryUpload")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Delivery.Kind.choices)
        period = PeriodSerializerField(help_text="YYYY-MM")
        file = serializers.FileField()
        strict = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={202: DeliveryOutputSerializer, 200: DeliveryOutputSerializer},
        summary="Deliver a debtor, income, balance or vehicle file; poll the returned delivery",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = services.receive_delivery(
            municipality=request.auth.municipality,
            kind=data.validated_data["kind"],
            period=data.validated_data["period"],
            file=data.validated_data["file"],
            strict=data.validated_data["strict"],
        )
        answer = (
            status.HTTP_200_OK if delivery.status == Delivery.Status.DUPLICATE else status.HTTP_202_ACCEPTED
        )
        return Response(DeliveryOutputSerializer(delivery, context={"request": request}).data, status=answer)


class DeliveryDetailApi(APIView):
    permission_classes = [IsMunicipalityClient]
    required_scope = ApiToken.Scope.DELIVERIES

    @extend_schema(responses=DeliveryOutputSerializer, summary="Status, progress and summary of a delivery")
    def get(self, request: Request, delivery_id: int) -> Response:
        delivery = get_object_or_404(
            Delivery.objects.for_municipality(request.auth.municipality), pk=delivery_id
        )
        return Response(DeliveryOutputSerializer(delivery, context={"request": request}).data)


class DeliveryErrorReportApi(APIView):
    permission_classes = [IsMunicipalityClient]
    required_scope = ApiToken.Scope.DELIVERIES

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="row, column, value, message")
        },
        summary="The error report of a delivery (CSV)",
    )
    def get(self, request: Request, delivery_id: int) -> FileResponse:
        delivery = get_object_or_404(
            Delivery.objects.for_municipality(request.auth.municipality), pk=delivery_id
        )
        if not delivery.error_report:
            raise Http404
        record_access(
            municipality=delivery.municipality,
            action=AuditLogEntry.Action.DOWNLOAD,
            actor=request.user.get_username(),
            obj=delivery,
        )
        return FileResponse(
            delivery.error_report.open("rb"),
            as_attachment=True,
            filename=f"foutenrapport-levering-{delivery.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )
