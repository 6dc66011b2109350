"""A recorded call as in `make run`: the agent pauses and resumes the recording from the
desk, the media (two channels: caller and agent) travels from the live simulator into
storage, and the call's page plays it in headless Chromium, seeking through range
requests; its transcript is on the page, and clicking an utterance plays the recording
from there."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from qa.models import RecordingAccess, RecordingMedia, Transcript
from qa.templatetags.qa_tags import clock
from telephony.demo import SUPPORT_NUMBER
from telephony.models import Queue, Recording, RecordingPolicy
from telephony.simulator import CalledParty, CallerScript, Line
from tests.browser.conftest import CALLER, refresh_until, set_state, sign_in_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wait_for(check, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_paused_recording_is_fetched_and_played_with_a_seek(live_twilio, alex, ava, page):
    policy = RecordingPolicy.objects.create(name="Billing: every call", retention_days=90)
    Queue.objects.filter(name="Billing").update(recording_policy=policy)
    sign_in_on(page, alex.user).get_by_role("link", name="Desk").click()
    set_state(page, "available")
    expect(page.locator("#agent-state")).to_contain_text("Available")

    # The caller's leg is recorded in two channels once they have heard the announcement
    # (about four seconds after the agent answers). The agent pauses at once and resumes
    # two seconds later; both speak after that, while the recording runs again.
    script = CallerScript(["1"], lines=(Line(6, "I want to cancel my order.", seconds=1),))
    greeting = (Line(9, "Thank you for calling.", seconds=1),)
    live_twilio.register_client("alex", CalledParty(answer="person", lines=greeting))
    caller = live_twilio.dial_in(from_=CALLER, to=SUPPORT_NUMBER, script=script)
    refresh_until(page, "#offer", "Accept")
    page.get_by_role("button", name="Accept").click()
    refresh_until(page, "#desk-call", "Pause recording")
    _wait_for(
        lambda: Recording.objects.filter(call__sid=caller.sid).exists(),
        "the caller's leg to be recorded",
    )
    page.get_by_role("button", name="Pause recording").click()
    expect(page.locator("#desk-call")).to_contain_text("Recording paused")
    time.sleep(2)  # the card number, left out
    page.get_by_role("button", name="Resume recording").click()
    expect(page.get_by_role("button", name="Pause recording")).to_be_visible()
    time.sleep(7)
    page.get_by_role("button", name="Hang up").click()

    _wait_for(
        lambda: RecordingMedia.objects.filter(
            recording__call__sid=caller.sid, state="stored"
        ).exists(),
        "the media to be stored",
    )
    recording = Recording.objects.get(call__sid=caller.sid)
    assert caller.said.count("This call may be recorded for quality and training purposes.") == 1
    assert recording.pauses.get().seconds is not None
    assert recording.duration_seconds >= 3
    assert (recording.channels, recording.call_leg_sid) == (2, caller.sid)

    # The agent hears their own call on its page; the player seeks by range requests.
    # Chromium asks for the media by ranges from the start (Range: bytes=0-).
    with page.expect_response(lambda r: "/media/" in r.url) as first_answer:
        page.goto(reverse("qa:call_detail", args=[recording.call_id]))
    assert first_answer.value.status == 206
    assert first_answer.value.headers["accept-ranges"] == "bytes"
    expect(page.locator(f"#recording-{recording.pk} .pauses")).to_contain_text("paused by")
    player = page.locator("audio")
    duration = player.evaluate(
        """async (audio) => {
            audio.muted = true;  // muted playback needs no user gesture
            if (audio.readyState < 1) {
                const once = {once: true};
                await new Promise((ok) => audio.addEventListener("loadedmetadata", ok, once));
            }
            await audio.play();
            return audio.duration;
        }"""
    )
    assert duration == pytest.approx(recording.duration_seconds, abs=1)
    sought = player.evaluate(
        """async (audio) => {
            const seeked = new Promise((ok) => audio.addEventListener("seeked", ok, {once: true}));
            audio.currentTime = audio.duration - 1;
            await seeked;
            return audio.currentTime;
        }"""
    )
    assert sought == pytest.approx(recording.duration_seconds - 1, abs=0.5)
    # Chromium decodes the stored file as two channels: caller and agent apart.
    channels = player.evaluate(
        """async (audio) => {
            const media = await (await fetch(audio.currentSrc)).arrayBuffer();
            return (await new OfflineAudioContext(1, 1, 8000).decodeAudioData(media))
                .numberOfChannels;
        }"""
    )
    assert channels == 2

    # The transcript (the simulator's Voice Intelligence) is on the page; an utterance
    # seeks the player to where it starts.
    _wait_for(
        lambda: Transcript.objects.filter(recording=recording, state="done").exists(),
        "the transcript to be done",
    )
    page.reload()
    transcript = page.locator(f"#transcript-{recording.pk}")
    expect(transcript).to_contain_text("Agent Thank you for calling.")
    expect(transcript).to_contain_text("Caller I want to cancel my order.")
    utterance = Transcript.objects.get(recording=recording).utterances.get(speaker="caller")
    player.evaluate("(audio) => { audio.muted = true; }")
    transcript.get_by_role("button", name=clock(utterance.start_ms)).click()
    page.wait_for_function(
        "([audio, at]) => Math.abs(audio.currentTime - at) < 0.5 && !audio.seeking",
        arg=[player.element_handle(), utterance.start_ms / 1000],
    )
    audit = RecordingAccess.objects.filter(recording=recording, username=alex.user.username)
    assert audit.exists() and all(a.action == "play" for a in audit)
    assert caller.application_errors == []
