"""A scored call's page in headless Chromium: clicking the moment a forbidden phrase was
said plays the recording from there."""

from __future__ import annotations

import io
import wave

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from qa.autoqa import services
from qa.models import RecordingMedia
from telephony.models import Queue
from tests.browser.conftest import sign_in_on
from tests.qa.autoqa.conftest import rule, transcribed_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wav(seconds: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000 * seconds)
    return out.getvalue()


def test_clicking_a_missed_rule_plays_the_recording_from_that_moment(page, qa_analyst, agent):
    rule("no-guarantee", "forbidden", phrases="guarantee", flag="compliance_miss")
    transcript = transcribed_call(
        agent,
        Queue.objects.create(name="Billing"),
        [
            ("agent", 0.5, 3.0, "Thank you for calling."),
            ("agent", 6.5, 9.0, "I guarantee it."),
            ("caller", 9.5, 11.0, "Okay."),
        ],
    )
    audio = _wav(12)
    media = RecordingMedia(recording=transcript.recording, state="stored", size_bytes=len(audio))
    media.file.save("guarantee.wav", ContentFile(audio), save=True)
    score = services.transcript_score(transcript_id=transcript.pk)

    sign_in_on(page, qa_analyst)
    page.goto(reverse("qa:call_detail", args=[score.call_id]))
    moment = page.locator('tr[data-rule="no-guarantee"] a[data-seek-ms]')
    expect(moment).to_have_text("0:06")
    page.locator("audio").evaluate(
        """async (audio) => {
            audio.muted = true;  // muted playback needs no user gesture
            if (audio.readyState < 1) {
                const once = {once: true};
                await new Promise((ok) => audio.addEventListener("loadedmetadata", ok, once));
            }
        }"""
    )
    moment.click()
    position = page.locator("audio").evaluate(
        """async (audio) => {
            if (audio.seeking) {
                await new Promise((ok) => audio.addEventListener("seeked", ok, {once: true}));
            }
            return audio.currentTime;
        }"""
    )
    assert position == pytest.approx(6.5, abs=0.5)
