"""Reads of qa: which recordings (and transcripts) a user may hear, a call's recordings
with their pauses and transcripts, and the supervisors' report of paused calls."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from telephony.models import Call, Recording, RecordingPause

from .models import Transcript

LISTEN_ANY = "qa.listen_any_recording"
LISTEN_TEAM = "qa.listen_team_recording"
LISTEN_OWN = "qa.listen_own_recording"


def may_listen_at_all(user: User | AnonymousUser) -> bool:
    return any(user.has_perm(perm) for perm in (LISTEN_ANY, LISTEN_TEAM, LISTEN_OWN))


def calls_audible_to(user: User | AnonymousUser) -> QuerySet[Call]:
    """Calls whose recordings `user` may hear: QA analysts and managers all; supervisors
    their teams' (any agent of a team they supervise took part); agents their own."""
    calls = Call.objects.all()
    if user.has_perm(LISTEN_ANY):
        return calls
    allowed = Q(pk__in=[])
    if user.has_perm(LISTEN_TEAM):
        allowed |= Q(queue_entries__served_by__teams__supervisors=user)
    if user.has_perm(LISTEN_OWN):
        allowed |= Q(queue_entries__served_by__user=user)
    return calls.filter(pk__in=calls.filter(allowed).values("pk"))


def recordings_audible_to(user: User | AnonymousUser) -> QuerySet[Recording]:
    """Recordings `user` may hear (and see the details of), newest first, media loaded."""
    return (
        Recording.objects.filter(call__in=calls_audible_to(user))
        .select_related("call__customer", "media", "policy")
        .prefetch_related(
            Prefetch("pauses", queryset=RecordingPause.objects.select_related("paused_by"))
        )
        .order_by("-created_at", "-id")
    )


def transcripts_audible_to(user: User | AnonymousUser) -> QuerySet[Transcript]:
    """Transcripts of the recordings `user` may hear, newest first, utterances loaded."""
    return (
        Transcript.objects.filter(recording__call__in=calls_audible_to(user))
        .select_related("recording__call")
        .prefetch_related("utterances")
        .order_by("-created_at", "-id")
    )


def call_players(user: User, call_ids: list[int]) -> dict[int, list[str]]:
    """For the customer's timeline: each call's stored recordings `user` may hear, as
    the app's media URLs, in the order they were made."""
    players: dict[int, list[str]] = {}
    stored = (
        Recording.objects.filter(
            call_id__in=call_ids, call__in=calls_audible_to(user), media__state="stored"
        )
        .order_by("created_at", "id")
        .values_list("call_id", "pk")
    )
    for call_id, pk in stored:
        players.setdefault(call_id, []).append(reverse("qa:recording_media", args=[pk]))
    return players


def call_recordings(*, call: Call) -> list[Recording]:
    """A call's recordings with media state and pauses, oldest first (transfers' parts in
    the order they were made)."""
    return list(
        Recording.objects.filter(call=call)
        .select_related("media", "transcript")
        .prefetch_related(
            Prefetch(
                "pauses",
                queryset=RecordingPause.objects.select_related("paused_by", "resumed_by"),
            ),
            "transcript__utterances",
        )
        .order_by("created_at", "id")
    )


def paused_recordings(*, user: User) -> QuerySet[Recording]:
    """Recordings with at least one pause, newest first, of calls `user` may hear."""
    return (
        recordings_audible_to(user)
        .annotate(pause_count=Count("pauses"))
        .filter(pause_count__gt=0)
        .select_related("call__customer", "entry__served_by__user", "entry__queue")
    )
