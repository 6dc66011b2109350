"""REST API of telephony: agents and their state, queues with live figures, calls."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .acd.presence import agent_set_state
from .acd.selectors import calls_with_queue_outcome
from .models import AgentProfile, Call, Queue
from .serializers import AgentSerializer, AgentStateSerializer, CallSerializer, QueueSerializer


class AgentViewSet(viewsets.ReadOnlyModelViewSet):
    """Agents with their presence and skills."""

    queryset = AgentProfile.objects.select_related("user").prefetch_related("agent_skills__skill")
    serializer_class = AgentSerializer
    filterset_fields = ["state", "teams"]

    @extend_schema(request=AgentStateSerializer, responses=AgentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def state(self, request: Request, pk: str | None = None) -> Response:
        """Change an agent's presence: the agent themselves, or a supervisor."""
        agent = self.get_object()
        if agent.user_id != request.user.pk and not request.user.has_perm(
            "telephony.change_agentprofile"
        ):
            raise PermissionDenied("Only the agent or a supervisor may change this state.")
        form = AgentStateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        agent = agent_set_state(agent=agent, **form.validated_data)
        return Response(AgentSerializer(agent).data)


class QueueViewSet(viewsets.ReadOnlyModelViewSet):
    """Queues, each with waiting callers, the longest wait and agents by state."""

    queryset = Queue.objects.prefetch_related("required_skills")
    serializer_class = QueueSerializer


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Call records, newest first."""

    queryset = calls_with_queue_outcome(Call.objects.all())
    serializer_class = CallSerializer
    filterset_fields = ["direction", "state", "queue", "customer", "twilio_status"]
    ordering_fields = ["created_at", "duration_seconds"]
