"""TwiML checks: what Twilio would reject, and how long prompts last."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from telephony.simulator import twiml

from .conftest import twiml as document


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("not xml", 12100),
        ("<Voice><Say>x</Say></Voice>", 12100),
        (document("<Speak>x</Speak>"), 12200),
        (document("<Gather><Dial>+1</Dial></Gather>"), 12200),
        (document("<Dial></Dial>"), 12200),
        (document("<Dial><Queue>a</Queue><Number>+1</Number></Dial>"), 12200),
        (document("<Say><Play>x</Play></Say>"), 12200),
    ],
)
def test_invalid_documents(body, code):
    with pytest.raises(twiml.TwimlError) as raised:
        twiml.parse(body, url="https://app.example.com/x")

    assert raised.value.code == code


def test_context_rules_for_wait_and_announce_documents():
    wait = document("<Say>x</Say><Gather/><Leave/><Redirect>/w</Redirect><Hangup/>")
    twiml.parse(wait, url=None, context="wait")
    with pytest.raises(twiml.TwimlError):
        twiml.parse(document("<Enqueue>q</Enqueue>"), url=None, context="wait")
    with pytest.raises(twiml.TwimlError):
        twiml.parse(document("<Gather/>"), url=None, context="announce")


def test_ssml_inside_say_is_spoken_text():
    say = ET.fromstring('<Say>Hello <break time="1s"/><emphasis>there</emphasis> friend</Say>')

    assert twiml.text_of(say) == "Hello there friend"
    assert twiml.prompt_seconds(say) == pytest.approx(1.2)


def test_prompt_durations():
    assert twiml.prompt_seconds(ET.fromstring('<Play loop="3">u</Play>')) == 9
    assert twiml.prompt_seconds(ET.fromstring('<Play digits="1234"/>')) == 2
    assert twiml.prompt_seconds(ET.fromstring("<Pause/>")) == 1
    assert twiml.prompt_seconds(ET.fromstring('<Say loop="0">forever</Say>')) is None


def test_relative_urls_resolve_against_the_document():
    assert twiml.resolve("https://a.test/ivr/menu", "next") == "https://a.test/ivr/next"
    assert twiml.resolve("https://a.test/ivr/menu", "/root") == "https://a.test/root"
    assert twiml.resolve(None, "https://b.test/x") == "https://b.test/x"
