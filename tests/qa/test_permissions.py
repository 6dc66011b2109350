"""Who may see and hear which recordings, on every recording endpoint: agents their own
calls, supervisors their teams', QA analysts and managers all; others nothing. Every
playback and download is audited."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from crm.services import interaction_record
from qa.models import RecordingAccess, RecordingMedia, Transcript, Utterance
from telephony.models import (
    AgentProfile,
    Call,
    Queue,
    QueueEntry,
    Recording,
    RecordingPause,
    Team,
)
from tests.factories import CustomerFactory
from tests.telephony.conftest import new_call_sid

AUDIO = b"RIFF" + bytes(range(256)) * 8


def _recorded_call(agent_user, queue: Queue) -> Recording:
    """A call `agent_user` took, recorded, its media stored, paused once."""
    call = Call.objects.create(
        sid=new_call_sid(), direction="inbound", from_number="+14155550142", to_number="+1800"
    )
    agent = AgentProfile.objects.get_or_create(
        user=agent_user, defaults={"client_identity": agent_user.username}
    )[0]
    entry = QueueEntry.objects.create(queue=queue, call=call, served_by=agent, status="done")
    recording = Recording.objects.create(
        sid="RE" + f"{call.pk:032x}",
        call=call,
        entry=entry,
        url="https://api.twilio.com/x",
        status="completed",
        started_at=timezone.now(),
    )
    media = RecordingMedia(recording=recording, state="stored", size_bytes=len(AUDIO))
    media.file.save(f"{recording.sid}.wav", ContentFile(AUDIO), save=True)
    RecordingPause.objects.create(
        recording=recording, paused_by=agent_user, resumed_at=timezone.now()
    )
    transcript = Transcript.objects.create(
        recording=recording, state="done", backend="local", completed_at=timezone.now()
    )
    Utterance.objects.create(
        transcript=transcript, speaker="agent", start_ms=1500, end_ms=3000, text="Hello."
    )
    return recording


@pytest.fixture
def recordings(agent, other_agent, supervisor):
    """Alex's call (team Red, which the supervisor supervises) and Bea's (team Blue)."""
    queue = Queue.objects.create(name="Billing")
    mine = _recorded_call(agent, queue)
    theirs = _recorded_call(other_agent, queue)
    red, blue = Team.objects.create(name="Red"), Team.objects.create(name="Blue")
    red.supervisors.add(supervisor)
    AgentProfile.objects.get(user=agent).teams.add(red)
    AgentProfile.objects.get(user=other_agent).teams.add(blue)
    return {"mine": mine, "theirs": theirs}


# persona → which of the two recordings it may hear
ACCESS = {
    "agent": {"mine"},
    "supervisor": {"mine"},
    "qa_analyst": {"mine", "theirs"},
    "manager": {"mine", "theirs"},
    "outsider": set(),
}


def _urls(recording: Recording) -> dict[str, str]:
    return {
        "call page": reverse("qa:call_detail", args=[recording.call_id]),
        "media": reverse("qa:recording_media", args=[recording.pk]),
        "download": reverse("qa:recording_media", args=[recording.pk]) + "?download=1",
        "api detail": f"/api/recordings/{recording.pk}/",
        "api transcript": f"/api/transcripts/{recording.transcript.pk}/",
    }


@pytest.mark.parametrize("persona", ACCESS)
def test_each_role_reaches_exactly_the_recordings_it_may_hear(
    request, persona, recordings, client_as, api_as
):
    user = request.getfixturevalue(persona)
    client = client_as(user)
    for name, recording in recordings.items():
        allowed = name in ACCESS[persona]
        for endpoint, url in _urls(recording).items():
            answer = (api_as(user) if endpoint.startswith("api") else client).get(url)
            expected = {200} if allowed else {403, 404}
            if not ACCESS[persona]:
                expected = {403}  # a role that may hear nothing is refused outright
            assert answer.status_code in expected, (persona, name, endpoint, answer.status_code)
    listed = api_as(user).get("/api/recordings/")
    transcripts = api_as(user).get("/api/transcripts/")
    if ACCESS[persona]:
        assert {row["sid"] for row in listed.json()["results"]} == {
            recordings[name].sid for name in ACCESS[persona]
        }
        assert {row["recording_sid"] for row in transcripts.json()["results"]} == {
            recordings[name].sid for name in ACCESS[persona]
        }
    else:
        assert (listed.status_code, transcripts.status_code) == (403, 403)


def test_signed_out_visitors_get_nothing(client, api_client, recordings):
    for endpoint, url in _urls(recordings["mine"]).items():
        answer = (api_client if endpoint.startswith("api") else client).get(url)
        assert answer.status_code in (302, 401, 403), endpoint
    assert not RecordingAccess.objects.exists()


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("agent", False),
        ("outsider", False),
        ("supervisor", True),
        ("qa_analyst", True),
        ("manager", True),
    ],
)
def test_the_report_of_pauses_is_for_supervisors_and_qa(
    request, persona, allowed, recordings, client_as
):
    answer = client_as(request.getfixturevalue(persona)).get(reverse("qa:paused_calls"))
    assert answer.status_code == (200 if allowed else 403)
    if allowed:
        page = answer.content.decode()
        assert reverse("qa:call_detail", args=[recordings["mine"].call_id]) in page
        # The supervisor sees only their team's paused calls.
        shown_theirs = reverse("qa:call_detail", args=[recordings["theirs"].call_id]) in page
        assert shown_theirs == (persona != "supervisor")


def test_every_playback_and_download_is_audited(recordings, client_as, agent):
    client = client_as(agent)
    url = reverse("qa:recording_media", args=[recordings["mine"].pk])
    client.get(url)
    client.get(url, headers={"Range": "bytes=100-"})
    client.get(url + "?download=1")
    client.get(reverse("qa:recording_media", args=[recordings["theirs"].pk]))  # refused

    audit = RecordingAccess.objects.order_by("at", "id")
    assert [(a.recording_id, a.username, a.action, a.byte_range) for a in audit] == [
        (recordings["mine"].pk, "agent", "play", ""),
        (recordings["mine"].pk, "agent", "play", "bytes=100-"),
        (recordings["mine"].pk, "agent", "download", ""),
    ]


def test_ranges_are_served_as_asked_and_a_range_past_the_end_is_refused(
    recordings, client_as, manager
):
    client = client_as(manager)
    url = reverse("qa:recording_media", args=[recordings["mine"].pk])
    size = len(AUDIO)
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail["Content-Range"]) == (
        206,
        f"bytes {size - 10}-{size - 1}/{size}",
    )
    assert b"".join(tail.streaming_content) == AUDIO[-10:]
    past = client.get(url, headers={"Range": f"bytes={size}-"})
    assert (past.status_code, past["Content-Range"]) == (416, f"bytes */{size}")
    several = client.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and b"".join(several.streaming_content) == AUDIO
    download = client.get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment;")


def test_the_api_filters_recordings_and_links_the_media_through_the_app(
    recordings, api_as, manager
):
    api = api_as(manager)
    mine = recordings["mine"]
    by_customer_less = api.get("/api/recordings/", {"call": mine.call_id}).json()["results"]
    assert [row["sid"] for row in by_customer_less] == [mine.sid]
    row = by_customer_less[0]
    assert row["media_state"] == "stored"
    assert row["media_url"].endswith(reverse("qa:recording_media", args=[mine.pk]))
    assert "twilio.com" not in str(row)
    assert len(row["pauses"]) == 1
    paused = api.get("/api/recordings/", {"paused": "true"}).json()["count"]
    unpaused = api.get("/api/recordings/", {"paused": "false"}).json()["count"]
    assert (paused, unpaused) == (2, 0)
    bad = api.get("/api/recordings/", {"media_state": "lost"})
    assert bad.status_code == 400 and "media_state" in bad.json()


def test_the_customers_timeline_plays_the_calls_the_viewer_may_hear(
    recordings, client_as, agent, other_agent
):
    customer = CustomerFactory()
    call = recordings["mine"].call
    Call.objects.filter(pk=call.pk).update(customer=customer)
    interaction_record(customer=customer, kind="call", summary="Inbound call", source=call)
    player = reverse("qa:recording_media", args=[recordings["mine"].pk])
    page = reverse("crm:customer_detail", args=[customer.pk])

    mine = client_as(agent).get(page).content.decode()
    assert f'<audio controls preload="none" src="{player}"' in mine
    assert reverse("qa:call_detail", args=[call.pk]) in mine  # the entry links the call
    theirs = client_as(other_agent).get(page).content.decode()
    assert player not in theirs


def test_the_api_filters_transcripts_by_call_recording_state_and_date(recordings, api_as, manager):
    api = api_as(manager)
    mine, theirs = recordings["mine"], recordings["theirs"]
    Transcript.objects.filter(recording=theirs).update(state="failed", reason="Recognizer down.")
    by_call = api.get("/api/transcripts/", {"call": mine.call_id}).json()["results"]
    assert [row["recording"] for row in by_call] == [mine.pk]
    assert by_call[0]["utterances"] == [
        {"speaker": "agent", "start_ms": 1500, "end_ms": 3000, "text": "Hello.", "confidence": None}
    ]
    by_recording = api.get("/api/transcripts/", {"recording": theirs.pk}).json()["results"]
    assert [(row["state"], row["reason"]) for row in by_recording] == [
        ("failed", "Recognizer down.")
    ]
    done = api.get("/api/transcripts/", {"state": "done"}).json()["results"]
    assert [row["recording"] for row in done] == [mine.pk]
    later = (timezone.now() + timezone.timedelta(days=1)).isoformat()
    assert api.get("/api/transcripts/", {"created_after": later}).json()["count"] == 0
    assert api.get("/api/transcripts/", {"created_before": later}).json()["count"] == 2
    bad = api.get("/api/transcripts/", {"state": "lost", "call": "x"})
    assert bad.status_code == 400 and {"state", "call"} <= set(bad.json())


def test_the_call_page_shows_the_transcript_with_speakers_and_times(
    recordings, client_as, qa_analyst
):
    recording = recordings["mine"]
    page = client_as(qa_analyst).get(reverse("qa:call_detail", args=[recording.call_id]))
    html = page.content.decode()
    assert (
        f'data-seek-recording="{recording.pk}" data-seek-ms="1500"' in html
        and ">0:01</button>" in html
    )
    assert "<strong>Agent</strong> Hello." in html
