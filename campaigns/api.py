"""REST API of campaigns: campaigns with live figures and controls, leads, lead imports,
and the campaign scope of crm's Do-Not-Call check."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from callcenter.api import Permission, requires
from callcenter.http import SignedInApiRequest
from crm import api as crm_api
from crm.serializers import DncCheckResultSerializer

from . import selectors, services
from .models import Campaign, LeadImport
from .serializers import (
    CampaignDncCheckSerializer,
    CampaignSerializer,
    LeadFilterSerializer,
    LeadImportSerializer,
    LeadSerializer,
    LeadUploadSerializer,
)


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns with their live figures; agents see the campaigns they work on."""

    request: SignedInApiRequest
    queryset = Campaign.objects.all()
    serializer_class = CampaignSerializer
    filterset_fields = ["status", "kind", "dial_mode"]

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns_visible_to(self.request.user).prefetch_related("agents")

    def get_permissions(self) -> Sequence[Permission]:
        needs = {
            **dict.fromkeys(services.CONTROLS, "campaigns.control_campaign"),
            "leads": "campaigns.view_lead",
            "leads_import": "campaigns.add_leadimport",
        }.get(self.action)
        return [requires(needs)()] if needs else super().get_permissions()

    def _campaign(self) -> Campaign:
        # Not get_object(): the lead filters (?status=) are not the campaign list's filters.
        # DRF's get_object_or_404, like get_object(), answers 404 to an id that is no number.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _control(self, request: SignedInApiRequest, verb: str) -> Response:
        campaign = services.campaign_transition(
            campaign=self.get_object(), status=services.CONTROLS[verb], by=request.user
        )
        return Response(self.get_serializer(campaign).data)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: SignedInApiRequest, pk: str | None = None) -> Response:
        """Start dialling (draft → running)."""
        return self._control(request, "start")

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: SignedInApiRequest, pk: str | None = None) -> Response:
        """Stop placing new calls for now; calls in progress finish."""
        return self._control(request, "pause")

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: SignedInApiRequest, pk: str | None = None) -> Response:
        """Dial again after a pause."""
        return self._control(request, "resume")

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def stop(self, request: SignedInApiRequest, pk: str | None = None) -> Response:
        """End the campaign for good."""
        return self._control(request, "stop")

    @extend_schema(
        responses=LeadSerializer(many=True),
        parameters=[
            OpenApiParameter("status", str, description="Lead status"),
            OpenApiParameter("phone", str, description="Phone number, any format"),
            OpenApiParameter("import_batch", int, description="Leads of one import"),
        ],
    )
    # Multipart for the upload (mapped below); the route's parsers serve both methods.
    @action(
        detail=True, methods=["get"], parser_classes=[parsers.MultiPartParser, parsers.JSONParser]
    )
    def leads(self, request: SignedInApiRequest, pk: str | None = None) -> Response:
        """The campaign's leads (an agent sees those they called or must call back)."""
        campaign = self._campaign()
        leads = selectors.leads_visible_to(request.user, campaign=campaign)
        form = LeadFilterSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        leads = leads.filter(**form.validated_data)
        page = self.paginate_queryset(leads.order_by("id"))
        return self.get_paginated_response(LeadSerializer(page, many=True).data)

    @extend_schema(request=LeadUploadSerializer, responses={202: LeadImportSerializer})
    @leads.mapping.post
    def leads_import(self, request: SignedInApiRequest, pk: str | None = None) -> Response:
        """Upload a CSV or Excel lead file with its column mapping; it imports in the
        background: follow it at /api/lead-imports/{id}/."""
        campaign = self._campaign()
        form = LeadUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        lead_import = services.lead_import_create(
            campaign=campaign,
            file=form.validated_data["file"],
            mapping=form.validated_data["mapping"],
            default_time_zone=form.validated_data["default_time_zone"],
            by=request.user,
        )
        # Read again: the service's commit has queued the import, which may have moved on.
        lead_import.refresh_from_db()
        return Response(LeadImportSerializer(lead_import).data, status=status.HTTP_202_ACCEPTED)


class LeadImportViewSet(viewsets.ReadOnlyModelViewSet):
    """Lead imports with their progress and counts; `report` is the rejected rows as CSV."""

    queryset = LeadImport.objects.all()
    serializer_class = LeadImportSerializer
    filterset_fields = ["campaign", "status"]

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> StreamingHttpResponse:
        """Every row that did not become a lead, with its reason and original values."""
        lead_import = self.get_object()
        return report_response(lead_import)


def report_response(lead_import: LeadImport) -> StreamingHttpResponse:
    # Streamed from the rejection rows: a report of a huge file is never built whole.
    response = StreamingHttpResponse(
        services.lead_import_report_lines(lead_import=lead_import), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{lead_import.pk}-report.csv"'
    return response


class CampaignDncEntryViewSet(crm_api.DncEntryViewSet):
    """Do-Not-Call entries (crm's API), whose check may also name a campaign: the lists
    that campaign names then bind as well."""

    check_serializer_class = CampaignDncCheckSerializer

    def check_extra_lists(self, query: dict) -> QuerySet | None:
        return selectors.campaign_dnc_lists(query.get("campaign"))

    @extend_schema(parameters=[CampaignDncCheckSerializer], responses=DncCheckResultSerializer)
    @action(detail=False, methods=["get"])
    # The stubs type an action by the class it is declared on, so redeclaring one in a
    # subclass (here for its schema) reads as an incompatible override.
    def check(self, request: Request) -> Response:  # type: ignore[override]
        """Whether a number (any format) may not be called (for the campaign, if given),
        and which lists it is on."""
        # Named, not super(): the stubs make an action an attribute, which super() does not
        # bind to self.
        return crm_api.DncEntryViewSet.check(self, request)
