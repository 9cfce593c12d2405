"""Supplier API for arrears reports (vroegsignalering): intake, own reports, withdraw, feedback.

The serializers describe the OpenAPI schema and the output; the intake itself validates with
`intake.arrears.validation`, which is shared with the CSV upload and fast enough for 10,000 reports.
"""

import datetime as dt
import time

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from intake.arrears import services
from intake.models import ArrearsReport
from tenancy import shared_cache
from tenancy.api.permissions import IsSupplierClient
from tenancy.models import ApiToken, PartnerType, Supplier

MAX_REPORTS = 10_000
DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024
FEEDBACK_STATUSES = list(ArrearsReport.Status.values)


def max_request_bytes() -> int:
    return getattr(settings, "ARREARS_API_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The request body is too large; send at most {MAX_REPORTS} reports per request."
    default_code = "request_too_large"


class TokenRateThrottle(BaseThrottle):
    """Requests per minute per API token (`ApiToken.rate_limit_per_minute`); 429 with Retry-After.

    A counter per token and clock minute in the shared cache (one Redis round trip with `CACHE_URL`,
    so the limit holds across gunicorn workers): constant work per request, unlike DRF's sliding
    window, which keeps and re-pickles every request time of the last minute. Without a reachable
    cache the request goes through.
    """

    window_seconds = 60

    def allow_request(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        now = time.time()
        window = int(now // self.window_seconds)
        count = shared_cache.count(f"throttle:api-token:{token.pk}:{window}", timeout=self.window_seconds + 5)
        self.retry_after = (window + 1) * self.window_seconds - now
        return count is None or count <= token.rate_limit_per_minute

    def wait(self) -> float:
        return max(1.0, self.retry_after)


class SupplierApi(APIView):
    permission_classes = [IsSupplierClient]
    throttle_classes = [TokenRateThrottle]
    write_scope = ApiToken.Scope.WRITE_REPORTS
    read_scope = ApiToken.Scope.READ_FEEDBACK

    @property
    def required_scope(self) -> str:
        return self.read_scope if self.request.method in ("GET", "HEAD", "OPTIONS") else self.write_scope

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_request_bytes():
            raise RequestTooLarge

    @property
    def supplier(self) -> Supplier:
        return self.request.auth.supplier

    def own_reports(self):  # type: ignore[no-untyped-def]
        return ArrearsReport.objects.filter(supplier=self.supplier).select_related("municipality")


# Schema-only input: the documented shape of one report.
class ArrearsReportInputSerializer(serializers.Serializer):
    reference = serializers.RegexField(r"^[A-Za-z0-9._:\-]{1,100}$", max_length=100)
    municipality_code = serializers.RegexField(r"^(GM)?\d{4}$", help_text="CBS code, e.g. 0363 or GM0363")
    partner_type = serializers.ChoiceField(
        PartnerType.choices,
        required=False,
        help_text="DDAS EnumSignaalpartner; defaults to the supplier's type",
    )
    crisis = serializers.BooleanField(required=False, default=False)
    warm_handover = serializers.BooleanField(required=False, default=False)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, coerce_to_string=True)
    arrears_since = serializers.DateField(help_text="ontstaansdatum")
    signal_date = serializers.DateField(help_text="signaaldatum")
    bsn = serializers.RegexField(
        r"^\d{8,9}$", required=False, help_text="preferred: the law asks matching on BSN"
    )
    initials = serializers.CharField(required=False, max_length=20)
    prefix = serializers.CharField(required=False, max_length=20)
    last_name = serializers.CharField(required=False, max_length=200, help_text="required without a BSN")
    birth_date = serializers.DateField(required=False, help_text="required without a BSN")
    street = serializers.CharField(required=False, max_length=200)
    postcode = serializers.RegexField(
        r"^[1-9]\d{3} ?[A-Za-z]{2}$", required=False, help_text="required without a BSN"
    )
    house_number = serializers.RegexField(
        r"^[1-9]\d{0,4}$", required=False, help_text="required without a BSN"
    )
    house_number_suffix = serializers.CharField(required=False, max_length=10)
    city = serializers.CharField(required=False, max_length=100)


class FieldErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text="JSON pointer (RFC 6901) into the request body")
    message = serializers.CharField()
    code = serializers.CharField()


class ReportResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    reference = serializers.CharField(allow_blank=True)
    outcome = serializers.ChoiceField(["created", "updated", "rejected"])
    status = serializers.ChoiceField(FEEDBACK_STATUSES, allow_null=True)
    result = serializers.CharField(allow_null=True)
    errors = FieldErrorSerializer(many=True)


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = ReportResultSerializer(many=True)


class ArrearsReportOutputSerializer(serializers.ModelSerializer):
    municipality_code = serializers.CharField(source="municipality.code")
    status = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    picked_up_on = serializers.SerializerMethodField()

    class Meta:
        model = ArrearsReport
        fields = [
            "reference",
            "municipality_code",
            "partner_type",
            "crisis",
            "warm_handover",
            "amount",
            "arrears_since",
            "signal_date",
            "status",
            "result",
            "picked_up_on",
            "collection_suspended_until",
            "withdrawn_at",
            "status_changed_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.ChoiceField(FEEDBACK_STATUSES))
    def get_status(self, report: ArrearsReport) -> str:
        return services.supplier_view(report).status

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="DDAS EnumEindresultaat"))
    def get_result(self, report: ArrearsReport) -> str | None:
        return services.supplier_view(report).result

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_picked_up_on(self, report: ArrearsReport) -> dt.date | None:
        return report.picked_up_at.date() if report.picked_up_at else None


class FeedbackSerializer(ArrearsReportOutputSerializer):
    class Meta(ArrearsReportOutputSerializer.Meta):
        fields = [
            "reference",
            "municipality_code",
            "status",
            "result",
            "picked_up_on",
            "collection_suspended_until",
            "status_changed_at",
        ]


class PaginatedArrearsReportSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ArrearsReportOutputSerializer(many=True)


class PaginatedFeedbackSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FeedbackSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# Answers every supplier endpoint may give besides its own.
ERRORS = {
    400: OpenApiResponse(description="Invalid query or body"),
    401: OpenApiResponse(ErrorSerializer, description="No, an unknown, expired or revoked token"),
    403: OpenApiResponse(ErrorSerializer, description="Not a supplier token, or the token lacks the scope"),
    413: OpenApiResponse(ErrorSerializer, description="Request body too large"),
    429: OpenApiResponse(ErrorSerializer, description="Rate limit of the token reached; see Retry-After"),
}


def _result(outcome: services.ReportOutcome) -> dict:
    return {
        "index": outcome.index,
        "reference": outcome.reference,
        "outcome": outcome.outcome,
        "status": outcome.status,
        "result": outcome.result if outcome.result else None,
        "errors": [error.as_dict() for error in outcome.errors],
    }


EXAMPLE_REPORT = {
    "reference": "HUUR-2026-000123",
    "municipality_code": "0363",
    "partner_type": "Huur",
    "crisis": False,
    "warm_handover": False,
    "amount": "1250.00",
    "arrears_since": "2026-01-15",
    "signal_date": "2026-03-01",
    "bsn": "123456782",
    "initials": "A.",
    "prefix": "van",
    "last_name": "Dijk",
    "birth_date": "1985-06-15",
    "street": "Voorbeeldstraat",
    "postcode": "1234AB",
    "house_number": "10",
    "house_number_suffix": "A",
    "city": "Amsterdam",
}


class ArrearsReportListCreateApi(SupplierApi):
    class Pagination(LimitOffsetPagination):
        default_limit = 100
        max_limit = 1000

    @extend_schema(
        operation_id="arrears_reports_create",
        summary="Report arrears: one report, or a list of up to 10,000",
        description=(
            "Each report is validated on its own. The supplier's `reference` is the idempotency key: the "
            "same reference again updates the report, never duplicates it. A single report answers 201 "
            "(created), 200 (updated), 400 (invalid) or 403 (no active covenant with the municipality); "
            "a list answers 200 with a result per report."
        ),
        request=PolymorphicProxySerializer(
            component_name="ArrearsReportBody",
            serializers=[ArrearsReportInputSerializer, ArrearsReportInputSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            **ERRORS,
            200: PolymorphicProxySerializer(
                component_name="ArrearsReportPostResult",
                serializers=[ReportResultSerializer, BatchResultSerializer],
                resource_type_field_name=None,
            ),
            201: ReportResultSerializer,
            400: OpenApiResponse(
                description="An invalid report (with errors per field), or a body that is no report"
            ),
            403: OpenApiResponse(
                description="No active covenant with the municipality, or a token without the scope"
            ),
        },
        examples=[
            OpenApiExample("One report", value=EXAMPLE_REPORT, request_only=True),
            OpenApiExample("A list", value=[EXAMPLE_REPORT], request_only=True),
            OpenApiExample(
                "Created",
                value={
                    "index": 0,
                    "reference": "HUUR-2026-000123",
                    "outcome": "created",
                    "status": "received",
                    "result": None,
                    "errors": [],
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        body = request.data
        if isinstance(body, list):
            if len(body) > MAX_REPORTS:
                raise RequestTooLarge(f"At most {MAX_REPORTS} reports per request.")
            if not body:
                raise exceptions.ValidationError({"detail": "Send at least one report."})
            outcomes = services.receive_arrears_reports(supplier=self.supplier, reports=body)
            counts = {name: 0 for name in ("created", "updated", "rejected")}
            for outcome in outcomes:
                counts[outcome.outcome] += 1
            return Response({**counts, "results": [_result(outcome) for outcome in outcomes]})
        [outcome] = services.receive_arrears_reports(supplier=self.supplier, reports=[body], single=True)
        if outcome.outcome == services.Outcome.REJECTED:
            refused = any(error.code == "no_covenant" for error in outcome.errors)
            return Response(
                _result(outcome), status=status.HTTP_403_FORBIDDEN if refused else status.HTTP_400_BAD_REQUEST
            )
        created = outcome.outcome == services.Outcome.CREATED
        return Response(_result(outcome), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        operation_id="arrears_reports_list",
        summary="Your own reports",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=FEEDBACK_STATUSES),
            OpenApiParameter("signal_date_from", OpenApiTypes.DATE),
            OpenApiParameter("signal_date_to", OpenApiTypes.DATE),
        ],
        responses={**ERRORS, 200: PaginatedArrearsReportSerializer},
    )
    def get(self, request: Request) -> Response:
        filters = _DateFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        reports = self.own_reports().order_by("-signal_date", "pk")
        if filters.validated_data.get("status"):
            reports = reports.filter(status=filters.validated_data["status"])
        if filters.validated_data.get("signal_date_from"):
            reports = reports.filter(signal_date__gte=filters.validated_data["signal_date_from"])
        if filters.validated_data.get("signal_date_to"):
            reports = reports.filter(signal_date__lte=filters.validated_data["signal_date_to"])
        paginator = self.Pagination()
        page = paginator.paginate_queryset(reports, request, view=self)
        return paginator.get_paginated_response(ArrearsReportOutputSerializer(page, many=True).data)


class _DateFilters(serializers.Serializer):
    status = serializers.ChoiceField(FEEDBACK_STATUSES, required=False)
    signal_date_from = serializers.DateField(required=False)
    signal_date_to = serializers.DateField(required=False)


class ArrearsReportDetailApi(SupplierApi):
    @extend_schema(
        operation_id="arrears_reports_retrieve",
        summary="One of your reports, by your reference",
        responses={
            200: ArrearsReportOutputSerializer,
            404: OpenApiResponse(description="Not one of your reports"),
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        report = get_object_or_404(self.own_reports(), reference=reference)
        return Response(ArrearsReportOutputSerializer(report).data)


class ArrearsReportWithdrawApi(SupplierApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(
            services.WithdrawReason.CHOICES, help_text="paid, or arrangement made"
        )

    @extend_schema(
        operation_id="arrears_reports_withdraw",
        summary="Withdraw a report: paid, or an arrangement was made",
        request=InputSerializer,
        responses={
            200: ArrearsReportOutputSerializer,
            404: OpenApiResponse(description="Not one of your reports"),
        },
        examples=[OpenApiExample("Paid", value={"reason": "paid"}, request_only=True)],
    )
    def post(self, request: Request, reference: str) -> Response:
        report = get_object_or_404(self.own_reports(), reference=reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.withdraw_arrears_report(report=report, reason=data.validated_data["reason"])
        report = self.own_reports().get(pk=report.pk)
        return Response(ArrearsReportOutputSerializer(report).data)


class FeedbackListApi(SupplierApi):
    class Pagination(LimitOffsetPagination):
        default_limit = 500
        max_limit = 5000

    @extend_schema(
        operation_id="feedback_list",
        summary="Status changes of your reports since a moment",
        description=(
            "Reports whose status changed after `since`, oldest change first. `collection_suspended_until` "
            "is one month after pick-up: pause collection until then. A report closed by the municipality "
            "for 'another reason' shows only `not_picked_up` without a result."
        ),
        parameters=[
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, description="ISO 8601, e.g. 2026-03-01T00:00:00Z"
            )
        ],
        responses={**ERRORS, 200: PaginatedFeedbackSerializer},
    )
    def get(self, request: Request) -> Response:
        reports = self.own_reports().order_by("status_changed_at", "pk")
        since_text = request.query_params.get("since")
        if since_text:
            try:
                since = parse_datetime(since_text)
                # In UTC: PostgreSQL refuses offsets Python accepts (e.g. -18:42).
                since = since.astimezone(dt.UTC) if since is not None and since.tzinfo is not None else None
            except (ValueError, OverflowError):
                since = None
            if since is None:
                raise exceptions.ValidationError(
                    {"since": "Give an ISO 8601 date and time with a time zone."}
                )
            reports = reports.filter(status_changed_at__gt=since)
        paginator = self.Pagination()
        page = paginator.paginate_queryset(reports, request, view=self)
        return paginator.get_paginated_response(FeedbackSerializer(page, many=True).data)
