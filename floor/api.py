"""REST API of the floor: the wallboard's snapshots, as the page shows them, and
monitoring a call."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
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


class RealtimeQueuesView(APIView):
    """Every queue the user sees, with its figures now and today."""

    permission_classes = [requires(selectors.WALLBOARD) | requires(selectors.WHOLE_FLOOR)]

    @extend_schema(responses=QueueLiveSerializer(many=True))
    def get(self, request: Request) -> Response:
        def build() -> list:
            figures = selectors.queue_figures(queues=selectors.floor_queues(user=request.user))
            return list(QueueLiveSerializer([f.as_dict() for f in figures], many=True).data)

        return Response(selectors.shared("api-queues", user=request.user, build=build))


class RealtimeAgentsView(APIView):
    """Every agent the user sees (by team, queue or state), with the call in hand and
    today's figures."""

    permission_classes = [requires(selectors.WALLBOARD) | requires(selectors.WHOLE_FLOOR)]

    @extend_schema(parameters=[AgentFilterSerializer], responses=AgentLiveSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = AgentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data

        def build() -> list:
            agents = selectors.agents_on_floor(user=request.user, **wanted)
            figures = selectors.agent_figures(agents=agents)
            return list(AgentLiveSerializer([f.as_dict() for f in figures], many=True).data)

        what = "api-agents:" + ":".join(f"{name}={wanted[name]}" for name in sorted(wanted))
        return Response(selectors.shared(what, user=request.user, build=build))


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
