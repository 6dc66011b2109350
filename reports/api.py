"""`/api/reports/<report>/`: a report's rows, the same the page and the exports show."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import catalog
from .periods import INTERVALS
from .runs import report_run


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a figure's label, not the field's
    definition = serializers.CharField()
    unit = serializers.CharField(help_text="%, s (seconds) or empty for a count.")


class ReportSerializer(serializers.Serializer):
    report = serializers.CharField()
    start = serializers.DateTimeField(help_text="The range's start (inclusive).")
    end = serializers.DateTimeField(help_text="The range's end (exclusive).")
    interval = serializers.ChoiceField(choices=list(INTERVALS))
    time_zone = serializers.CharField(help_text="The call center's, in which periods fall.")
    figures = FigureSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(),
        help_text="One per period and queue (or agent): `period`, the owner and each figure "
        "by its key; a ratio with nothing to divide is null.",
    )


def _ids(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, many=True, explode=True)


class ReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="reports_retrieve",
        parameters=[
            OpenApiParameter("report", str, OpenApiParameter.PATH, enum=list(catalog.REPORTS)),
            OpenApiParameter(
                "from", str, description="A date (YYYY-MM-DD) or local date-time; default today."
            ),
            OpenApiParameter(
                "to", str, description="A date (the whole day) or local date-time; default today."
            ),
            OpenApiParameter("interval", str, enum=list(INTERVALS)),
            _ids("queue"),
            _ids("team"),
            _ids("agent"),
            _ids("campaign"),
            _ids("line"),
            _ids("lead_list"),
        ],
        responses=ReportSerializer,
    )
    def get(self, request: Request, report: str) -> Response:
        form, result = report_run(request.query_params, request.user, report)
        if result is None:
            raise ValidationError(form.api_errors())
        result.pop("spec")
        return Response(ReportSerializer(result).data)
