"""REST API of the CRM: customers (with caller-ID lookup), cases, the timeline and
Do-Not-Call entries."""

from __future__ import annotations

from collections.abc import Sequence

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from callcenter.api import FilterSet, Permission, requires
from callcenter.http import SignedInApiRequest

from . import selectors, services
from .models import Case, Customer, DncEntry, DncSource, Interaction
from .phones import try_normalize_phone
from .serializers import (
    CaseEventSerializer,
    CaseSerializer,
    CaseTransitionSerializer,
    CustomerSerializer,
    DncCheckResultSerializer,
    DncCheckSerializer,
    DncEntrySerializer,
    DncRemoveSerializer,
    InteractionSerializer,
)


class CustomerFilter(FilterSet):
    phone = django_filters.CharFilter(
        method="filter_phone", label="Phone number in any format (caller-ID lookup)"
    )
    q = django_filters.CharFilter(method="filter_search", label="Search text")

    class Meta:
        model = Customer
        fields = ["tier", "preferred_language", "account_number"]

    def filter_phone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        number = try_normalize_phone(value)
        if number is None:
            raise serializers.ValidationError(
                {"phone": [f"“{value}” is not a valid phone number."]}
            )
        return queryset.filter(phone_numbers__number=number)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=[c.pk for c in selectors.customer_search(query=value)])


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("phone", OpenApiTypes.STR, description="Caller-ID lookup, any format")
        ]
    )
)
class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers with their phone numbers and email addresses."""

    queryset = Customer.objects.prefetch_related("phone_numbers", "email_addresses").order_by(
        "name", "id"
    )
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["name", "created_at", "tier"]

    def perform_create(self, serializer: BaseSerializer[Customer]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.customer_create(
            phone_numbers=data.pop("phone_numbers", []),
            email_addresses=data.pop("email_addresses", []),
            **data,
        )

    def perform_update(self, serializer: BaseSerializer[Customer]) -> None:
        customer = serializer.instance
        if customer is None:  # UpdateModelMixin binds the customer it changes
            raise TypeError("An update needs the serializer's instance.")
        serializer.instance = services.customer_update(
            customer=customer, **serializer.validated_data
        )


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Cases. Status moves only through `transition`, which enforces the workflow."""

    request: SignedInApiRequest
    queryset = Case.objects.select_related("customer", "owner")
    serializer_class = CaseSerializer
    filterset_fields = ["customer", "status", "priority", "category", "owner"]
    ordering_fields = ["created_at", "priority", "due_at"]

    def perform_create(self, serializer: BaseSerializer[Case]) -> None:
        serializer.instance = services.case_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[Case]) -> None:
        data = dict(serializer.validated_data)
        data.pop("customer", None)
        case = serializer.instance
        if case is None:  # UpdateModelMixin binds the case it changes
            raise TypeError("An update needs the serializer's instance.")
        serializer.instance = services.case_change(case=case, actor=self.request.user, **data)

    @extend_schema(request=CaseTransitionSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("crm.change_case")])
    def transition(self, request: SignedInApiRequest, pk: str | None = None) -> Response:
        """Move the case to another status (new → open → pending/resolved → closed)."""
        case = self.get_object()
        form = CaseTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        case = services.case_transition(case=case, actor=request.user, **form.validated_data)
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(responses=CaseEventSerializer(many=True))
    # The whole history, unpaged: so the schema says too.
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every recorded change of the case, oldest first."""
        case = self.get_object()
        return Response(CaseEventSerializer(case.events.all(), many=True).data)


class InteractionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The timeline: every customer's interactions, newest first. Entries are never edited."""

    request: SignedInApiRequest
    queryset = Interaction.objects.select_related("source_type").order_by("-occurred_at", "-id")
    serializer_class = InteractionSerializer
    filterset_fields = ["customer", "kind", "direction"]

    def perform_create(self, serializer: BaseSerializer[Interaction]) -> None:
        serializer.instance = services.interaction_record(
            actor=self.request.user, **serializer.validated_data
        )


class DncEntryViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Do-Not-Call entries. Adding is effective at once; removing needs a reason (audited)."""

    request: SignedInApiRequest
    queryset = DncEntry.objects.select_related("dnc_list")
    serializer_class = DncEntrySerializer
    filterset_fields = ["dnc_list", "source"]
    # What the check reads from its query string; an app above may add a scope to it.
    check_serializer_class: type[DncCheckSerializer] = DncCheckSerializer

    def get_permissions(self) -> Sequence[Permission]:
        needs = {
            "remove": "crm.delete_dncentry",
            "check": "crm.view_dncentry",
        }.get(self.action)
        return [requires(needs)()] if needs else super().get_permissions()

    def check_extra_lists(self, query: dict) -> QuerySet | None:
        """Lists binding the check besides the internal and national ones (none here)."""
        return None

    def perform_create(self, serializer: BaseSerializer[DncEntry]) -> None:
        serializer.instance = services.dnc_add(
            phone=serializer.validated_data["phone"],
            source=DncSource.API,
            reason=serializer.validated_data.get("reason", ""),
            by=self.request.user,
            dnc_list=serializer.validated_data.get("dnc_list"),
        )

    @extend_schema(request=DncRemoveSerializer, responses={204: None})
    @action(detail=False, methods=["post"])
    def remove(self, request: SignedInApiRequest) -> Response:
        """Take a number off a list (the internal one by default); say why."""
        form = DncRemoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.dnc_remove(by=request.user, source=DncSource.API, **form.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[DncCheckSerializer], responses=DncCheckResultSerializer)
    @action(detail=False, methods=["get"])
    def check(self, request: Request) -> Response:
        """Whether a number (any format) may not be called, and which lists it is on."""
        form = self.check_serializer_class(data=request.query_params)
        form.is_valid(raise_exception=True)
        phone = form.validated_data["phone"]
        extra_lists = self.check_extra_lists(form.validated_data)
        result = {
            "phone": phone,
            "on_dnc": selectors.is_on_dnc(phone, extra_lists=extra_lists),
            "lists": selectors.dnc_lists_with(phone=phone),
        }
        return Response(DncCheckResultSerializer(result).data)
