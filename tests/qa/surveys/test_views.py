"""The survey answers page and the repeat contacts page, by role."""

from __future__ import annotations

import datetime as dt
import io
import wave

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse

from qa.models import RecordingAccess, RecordingMedia, Survey
from telephony.models import Call

from .conftest import DAY

pytestmark = pytest.mark.django_db


def test_an_agent_lists_their_own_survey_answers_only(client_as, agent, surveyed):
    page = client_as(agent).get("/qa/surveys/")
    assert page.status_code == 200
    assert list(page.context["surveys"]) == [surveyed["alex"]]
    assert "Q1: 5/5" in page.content.decode()


def test_low_answers_only(client_as, manager, surveyed):
    page = client_as(manager).get("/qa/surveys/", {"low": "1"})
    assert list(page.context["surveys"]) == [surveyed["bea"]]


def test_no_role_no_page(client_as, outsider):
    assert client_as(outsider).get("/qa/surveys/").status_code == 403
    assert client_as(outsider).get("/qa/fcr/").status_code == 403


def test_repeat_contacts_show_what_followed(client_as, manager, surveyed):
    customer = surveyed["alex"].customer
    Call.objects.create(
        sid="CA" + "f" * 32,
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        customer=customer,
        created_at=DAY + dt.timedelta(days=2),
    )
    with time_machine.travel(DAY + dt.timedelta(days=3), tick=False):
        page = client_as(manager).get("/qa/fcr/")
    assert page.status_code == 200
    (contact,) = page.context["repeated"]
    assert contact.customer_name == customer.name
    assert [r.channel for r in contact.repeats] == ["call"]
    assert "1 repeated" in page.content.decode()


# --- The call's page and the spoken comment -----------------------------------------------


def _comment_stored(survey) -> bytes:
    """Give `survey` a stored one-second comment (as the fetch leaves it); its bytes."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x10\x00" * 8000)
    wav = buffer.getvalue()
    survey.comment_recording_sid = "RE" + "c" * 32
    survey.comment_recording_url = "https://api.twilio.com/2010-04-01/Recordings/RE" + "c" * 32
    survey.comment_seconds = 1
    survey.comment_state = RecordingMedia.State.STORED
    survey.comment_file.save("comment.wav", ContentFile(wav), save=False)
    survey.comment_size_bytes = len(wav)
    survey.save()
    return wav


def test_the_call_page_shows_its_survey_to_those_who_may_see_it(
    client_as, agent, other_agent, supervisor, manager, surveyed
):
    survey = surveyed["alex"]
    call_page = f"/qa/calls/{survey.call_id}/"
    for user in (agent, supervisor, manager):
        page = client_as(user).get(call_page)
        assert page.status_code == 200
        assert page.context["survey"] == survey
        shown = page.content.decode()
        assert 'id="call-survey"' in shown
        assert "<td>How?</td>" in shown and "<td>5/5</td>" in shown and "<td>Keypad</td>" in shown
        assert "Answered" in shown or "answered" in shown
    # Bea took the other call: Alex's call page is not hers to see at all.
    assert client_as(other_agent).get(call_page).status_code == 404


def test_qa_sees_every_call_survey_and_a_supervisor_only_their_teams(
    client_as, qa_analyst, supervisor, surveyed
):
    survey = surveyed["bea"]
    page = client_as(qa_analyst).get(f"/qa/calls/{survey.call_id}/")
    assert page.context["survey"] == survey
    assert "<td>2/5</td>" in page.content.decode()
    # Bea is not in the supervisor's team: neither her call nor its survey is shown.
    assert client_as(supervisor).get(f"/qa/calls/{survey.call_id}/").status_code == 404


def test_the_spoken_comment_plays_through_the_app_with_seeking_and_an_audit(
    client_as, agent, supervisor, surveyed
):
    survey = surveyed["alex"]
    wav = _comment_stored(survey)
    media_url = reverse("qa:survey_comment_media", args=[survey.pk])
    for page_url in ("/qa/surveys/", f"/qa/calls/{survey.call_id}/"):
        shown = client_as(supervisor).get(page_url).content.decode()
        assert f'src="{media_url}"' in shown
        assert "twilio.com" not in shown
    seek = client_as(supervisor).get(media_url, headers={"Range": "bytes=100-199"})
    assert seek.status_code == 206
    assert seek["Content-Range"] == f"bytes 100-199/{len(wav)}"
    assert seek["Content-Type"] == "audio/wav"
    assert b"".join(seek.streaming_content) == wav[100:200]
    whole = client_as(agent).get(media_url)
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == wav
    audit = RecordingAccess.objects.order_by("at", "id")
    assert [(a.survey, a.recording, a.username, a.byte_range) for a in audit] == [
        (survey, None, "supervisor", "bytes=100-199"),
        (survey, None, "agent", ""),
    ]


def test_an_agent_of_another_team_may_not_hear_the_comment(
    client_as, other_agent, outsider, surveyed
):
    survey = surveyed["alex"]
    _comment_stored(survey)
    media_url = reverse("qa:survey_comment_media", args=[survey.pk])
    assert client_as(other_agent).get(media_url).status_code == 404
    assert client_as(outsider).get(media_url).status_code == 403
    assert not RecordingAccess.objects.exists()


def test_a_comment_not_stored_yet_is_not_played(client_as, manager, surveyed):
    survey = surveyed["alex"]
    Survey.objects.filter(pk=survey.pk).update(
        comment_recording_sid="RE" + "d" * 32, comment_state=RecordingMedia.State.PENDING
    )
    media_url = reverse("qa:survey_comment_media", args=[survey.pk])
    assert client_as(manager).get(media_url).status_code == 404
    page = client_as(manager).get(f"/qa/calls/{survey.call_id}/").content.decode()
    assert media_url not in page and "Comment pending" in page
