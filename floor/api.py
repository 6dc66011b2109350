"""REST API of the floor: the wallboard's snapshots, as the page shows them, and
monitoring a call."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import AnonymousUser, User
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcenter.api import requires
from telephony.monitoring.selectors import is_monitoring

from . import actions, selectors
from .serializers import (
    AgentFilterSerializer,
    AgentLiveSerializer,
    MonitoringSessionSerializer,
    MonitorRequestSerializer,
    QueueLiveSerializer,
)


def queues_live(*, user: User | AnonymousUser) -> list[dict[str, Any]]:
    """Every queue `user` sees, as the API represents them: shared per floor notice."""

    def build() -> list:
        figures = selectors.queue_figures(queues=selectors.floor_queues(user=user))
        return list(QueueLiveSerializer([f.as_dict() for f in figures], many=True).data)

    return selectors.shared("api-queues", user=user, build=build)


def agents_live(*, user: User | AnonymousUser, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """The agents `user` sees, narrowed by AgentFilterSerializer's `filters`, as the API
    represents them: shared per floor notice."""

    def build() -> list:
        figures = selectors.agent_figures(agents=selectors.agents_on_floor(user=user, **filters))
        return list(AgentLiveSerializer([f.as_dict() for f in figures], many=True).data)

    what = "api-agents:" + ":".join(f"{name}={filters[name]}" for name in sorted(filters))
    return selectors.shared(what, user=user, build=build)


class RealtimeQueuesView(APIView):
    """Every queue the user sees, with its figures now and today."""

    permission_classes = [requires(selectors.WALLBOARD) | requires(selectors.WHOLE_FLOOR)]

    @extend_schema(responses=QueueLiveSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(queues_live(user=request.user))


class RealtimeAgentsView(APIView):
    """Every agent the user sees (by team, queue or state), with the call in hand and
    today's figures."""

    permission_classes = [requires(selectors.WALLBOARD) | requires(selectors.WHOLE_FLOOR)]

    @extend_schema(parameters=[AgentFilterSerializer], responses=AgentLiveSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = AgentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response(agents_live(user=request.user, filters=filters.validated_data))


class MonitorView(APIView):
    """Start monitoring a live call (listen, whisper or barge), switch modes during it, or
    leave it. Supervisors monitor their teams' and queues' calls, managers any."""

    permission_classes = [requires(actions.MONITOR)]

    @extend_schema(
        request=MonitorRequestSerializer,
        responses={201: MonitoringSessionSerializer, 200: MonitoringSessionSerializer},
    )
    def post(self, request: Request) -> Response:
        given = MonitorRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        user = cast(User, request.user)  # `requires` lets only signed-in users through
        started = data["mode"] != actions.LEAVE and not is_monitoring(
            supervisor=user, call=data["call"]
        )
        session = actions.call_monitor(
            user=user,
            call=data["call"],
            mode=data["mode"],
            phone_number=data.get("phone_number", ""),
        )
        return Response(
            MonitoringSessionSerializer(session).data,
            status=status.HTTP_201_CREATED if started else status.HTTP_200_OK,
        )
