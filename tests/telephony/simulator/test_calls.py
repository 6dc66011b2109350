"""Inbound calls through the IVR verbs: prompts, Gather, Record, Redirect, Hangup, Reject."""

from __future__ import annotations

import pytest

from telephony.simulator import CallerScript, NumberConfig, Speech, TransportError

from .conftest import APP, CALLER, OUR_NUMBER, START, twiml

MENU = twiml(
    f'<Gather numDigits="1" action="{APP}/menu" timeout="5">',
    "<Say>For sales press 1.</Say><Say>For billing press 2.</Say>",
    "</Gather>",
    "<Say>Goodbye.</Say>",
)


def test_inbound_call_sends_twilio_parameters_and_ringing_status(sim, app):
    app.routes["/voice"] = twiml("<Say>Hello</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    first = app.to("/voice")[0]
    assert first["CallSid"] == call.sid and call.sid.startswith("CA") and len(call.sid) == 34
    assert first["CallStatus"] == "ringing"
    assert first["Direction"] == "inbound"
    assert first["ApiVersion"] == "2010-04-01"
    assert (first["From"], first["To"], first["Caller"], first["Called"]) == (
        CALLER,
        OUR_NUMBER,
        CALLER,
        OUR_NUMBER,
    )
    assert call.status == "completed" and call.application_errors == []


def test_every_webhook_is_signed(sim, app):
    app.routes["/voice"] = MENU
    app.routes["/menu"] = twiml("<Redirect>/next?step=2</Redirect>")
    app.routes["/next"] = twiml("<Hangup/>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
    sim.run()

    # voice, menu action, redirect with a query string, status callback: all validated
    assert sim.engine.transport.checked == 4
    assert all(exchange.ok for exchange in call.trace)
    assert app.to("/next")[0]["step"] == "2"


def test_prompts_take_virtual_time_in_order(sim, app):
    app.routes["/voice"] = twiml(
        "<Say>one two three four five</Say>",
        '<Play loop="2">https://cdn.example.com/tone.mp3</Play>',
        '<Pause length="4"/>',
        "<Say>bye</Say>",
    )

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    offsets = {e.kind: (e.at - START).total_seconds() for e in call.transcript[:5]}
    assert call.kinds()[:5] == ["ringing", "answer", "say", "play", "pause"]
    assert offsets["play"] == 2.0  # five words at 0.4 s
    assert offsets["pause"] == 8.0  # two loops of 3 s
    assert call.said == "one two three four five\nbye"
    assert call.duration == 12  # 2 + 6 + 4 + 0.4, whole seconds
    assert call.status == "completed"


def test_gather_posts_digits_when_num_digits_reached(sim, app):
    app.routes["/voice"] = MENU
    app.routes["/menu"] = lambda p: twiml(f"<Say>You chose {p['Digits']}</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["2"]))
    sim.run()

    assert app.to("/menu")[0]["Digits"] == "2"
    assert app.to("/menu")[0]["CallStatus"] == "in-progress"
    assert "You chose 2" in call.said
    assert "Goodbye." not in call.said  # the action's TwiML replaced the document


def test_gather_stops_at_finish_on_key_and_reports_it(sim, app):
    app.routes["/voice"] = twiml(f'<Gather action="{APP}/account"><Say>Account?</Say></Gather>')
    app.routes["/account"] = twiml("<Hangup/>")

    sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["100042#"]))
    sim.run()

    assert app.to("/account")[0]["Digits"] == "100042"
    assert app.to("/account")[0]["FinishedOnKey"] == "#"


def test_gather_defaults_its_action_to_the_current_document(sim, app):
    seen = []

    def voice(params):
        seen.append(params.get("Digits"))
        if "Digits" in params:
            return twiml("<Hangup/>")
        return twiml('<Gather numDigits="1"><Say>Press</Say></Gather>')

    app.routes["/voice"] = voice

    sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["7"]))
    sim.run()

    assert seen == [None, "7"]


def test_partial_digits_are_submitted_after_the_timeout(sim, app):
    app.routes["/voice"] = twiml(f'<Gather numDigits="4" timeout="3" action="{APP}/pin"/>')
    app.routes["/pin"] = twiml("<Hangup/>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["12"]))
    sim.run()

    assert app.to("/pin")[0]["Digits"] == "12"
    pin = next(e for e in call.trace if e.purpose == "gather")
    assert (pin.at - START).total_seconds() == 1 + 3  # reaction, then the inter-digit timeout


def test_gather_without_input_falls_through_to_the_next_verb(sim, app):
    app.routes["/voice"] = MENU

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=[None]))
    sim.run()

    assert app.to("/menu") == []
    assert call.said.endswith("Goodbye.")
    goodbye = next(e for e in call.transcript if e.text == "Goodbye.")
    # two 4-word prompts (0.4 s a word), then the 5 s timeout
    assert (goodbye.at - START).total_seconds() == pytest.approx(3.2 + 5)


def test_action_on_empty_result_posts_empty_digits(sim, app):
    app.routes["/voice"] = twiml(
        f'<Gather action="{APP}/menu" actionOnEmptyResult="true" timeout="2"/>'
    )
    app.routes["/menu"] = twiml("<Hangup/>")

    sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert app.to("/menu")[0]["Digits"] == ""


def test_speech_gather_posts_speech_result_and_confidence(sim, app):
    app.routes["/voice"] = twiml(
        f'<Gather input="speech dtmf" action="{APP}/intent"><Say>How can we help?</Say></Gather>'
    )
    app.routes["/intent"] = twiml("<Hangup/>")
    script = CallerScript(inputs=[Speech("billing question", confidence=0.82)])

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=script)
    sim.run()

    posted = app.to("/intent")[0]
    assert posted["SpeechResult"] == "billing question"
    assert posted["Confidence"] == "0.82"
    assert "Digits" not in posted
    assert "speech" in call.kinds()


def test_speech_is_ignored_by_a_dtmf_only_gather(sim, app):
    app.routes["/voice"] = MENU

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=[Speech("sales")]))
    sim.run()

    assert app.to("/menu") == []
    assert call.said.endswith("Goodbye.")


def test_each_gather_consumes_the_next_scripted_input(sim, app):
    app.routes["/voice"] = twiml(f'<Gather numDigits="1" action="{APP}/one"/>')
    app.routes["/one"] = twiml(f'<Gather numDigits="1" action="{APP}/two"/>')
    app.routes["/two"] = lambda p: twiml(f"<Say>{p['Digits']}</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["3", "9"]))
    sim.run()

    assert [p["Digits"] for p in app.to("/one") + app.to("/two")] == ["3", "9"]
    assert call.said == "9"


def test_interactive_caller_presses_during_the_prompt(sim, app):
    app.routes["/voice"] = MENU
    app.routes["/menu"] = twiml("<Say>Sales</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(interactive=True))
    sim.advance(1)
    assert call.activity == "gather"
    sim.press(call.sid, "1")
    sim.run()

    assert app.to("/menu")[0]["Digits"] == "1"
    assert "For billing press 2." not in call.said  # barged in during the first prompt


def test_interactive_speech(sim, app):
    app.routes["/voice"] = twiml(f'<Gather input="speech" action="{APP}/intent"/>')
    app.routes["/intent"] = twiml("<Hangup/>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(interactive=True))
    sim.advance(1)
    sim.speak(call.sid, "agent please")
    sim.run()

    assert app.to("/intent")[0]["SpeechResult"] == "agent please"


def test_redirect_fetches_a_relative_url_with_its_method(sim, app):
    app.routes["/voice"] = twiml('<Redirect method="GET">next?x=1</Redirect>')
    app.routes["/next"] = twiml("<Say>Redirected</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    exchange = call.trace[1]
    assert (exchange.method, exchange.url) == ("GET", f"{APP}/next?x=1")
    assert app.to("/next")[0]["CallSid"] == call.sid
    assert call.said == "Redirected"


def test_hangup_ends_the_call_and_skips_later_verbs(sim, app):
    app.routes["/voice"] = twiml("<Say>Bye</Say><Hangup/><Say>never</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert call.said == "Bye"
    assert call.status == "completed"
    assert call.kinds()[-1] == "hangup"


def test_reject_ends_an_unanswered_call_busy_or_no_answer(sim, app):
    app.routes["/voice"] = twiml('<Reject reason="busy"/>')
    busy = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()
    app.routes["/voice"] = twiml("<Reject/>")
    rejected = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert (busy.status, rejected.status) == ("busy", "no-answer")
    assert busy.answered_at is None and busy.duration == 0
    assert app.to("/status")[0]["CallStatus"] == "busy"


def test_a_500_uses_the_fallback_url_with_error_code(sim, app):
    app.routes["/voice"] = (500, "boom")
    app.routes["/fallback"] = twiml("<Say>Sorry, try later</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    fallback = app.to("/fallback")[0]
    assert fallback["ErrorCode"] == "11200"
    assert fallback["ErrorUrl"] == f"{APP}/voice"
    assert call.said == "Sorry, try later"
    assert call.application_errors == []  # the caller heard the fallback, not Twilio's message


def test_invalid_xml_uses_the_fallback_url(sim, app):
    app.routes["/voice"] = "<Response><Say>unclosed</Response>"
    app.routes["/fallback"] = twiml("<Hangup/>")

    sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert app.to("/fallback")[0]["ErrorCode"] == "12100"


def test_application_error_when_voice_and_fallback_fail(sim, app):
    app.routes["/voice"] = twiml("<Speak>not a verb</Speak>")
    app.routes["/fallback"] = (503, "down")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert app.to("/fallback")[0]["ErrorCode"] == "12200"
    assert [e["code"] for e in call.application_errors] == [11200]
    assert call.status == "completed"
    assert "An application error has occurred." in [e.text for e in call.transcript]


def test_unreachable_app_is_an_application_error(make_sim, app):
    def unreachable(params):
        raise TransportError("connection refused")

    app.routes["/voice"] = unreachable
    sim = make_sim(default_number=NumberConfig(voice_url=f"{APP}/voice"))

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert [e["code"] for e in call.application_errors] == [11205]


def test_an_action_url_failure_also_falls_back(sim, app):
    app.routes["/voice"] = MENU
    app.routes["/menu"] = (500, "oops")
    app.routes["/fallback"] = twiml("<Say>Fallback</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
    sim.run()

    assert app.to("/fallback")[0]["Digits"] == "1"
    assert call.said.endswith("Fallback")


def test_caller_hanging_up_ends_the_call_where_it_is(sim, app):
    app.routes["/voice"] = twiml('<Say loop="0">Please hold</Say>')

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(hang_up_after=42))
    sim.run()

    assert call.status == "completed"
    assert call.duration == 42


def test_record_posts_recording_and_sends_recording_status_callback(sim, app):
    app.routes["/voice"] = twiml(
        f'<Record action="{APP}/recorded" maxLength="60" timeout="3" '
        f'recordingStatusCallback="{APP}/recording-status"/>'
    )
    app.routes["/recorded"] = twiml("<Say>Thanks</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(speak_seconds=12))
    sim.run()

    action = app.to("/recorded")[0]
    assert action["RecordingDuration"] == "12"
    assert action["RecordingSid"].startswith("RE")
    assert (
        action["RecordingUrl"]
        == f"http://sim.test/2010-04-01/Accounts/{call.account_sid}/Recordings/{action['RecordingSid']}"
    )
    assert "Digits" not in action  # ended on silence
    status = app.to("/recording-status")[0]
    assert status["RecordingStatus"] == "completed"
    assert status["RecordingSid"] == action["RecordingSid"]
    assert (status["RecordingChannels"], status["RecordingSource"]) == ("1", "RecordVerb")
    assert status["CallSid"] == call.sid
    assert sim.recordings[action["RecordingSid"]].duration == 12
    assert call.said == "Thanks"


def test_empty_recording_skips_the_action(sim, app):
    app.routes["/voice"] = twiml(f'<Record action="{APP}/recorded"/><Say>Nothing heard</Say>')

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(speak_seconds=0))
    sim.run()

    assert app.to("/recorded") == []
    assert call.said == "Nothing heard"
    assert sim.recordings == {}


def test_record_finish_key_and_hangup(sim, app):
    app.routes["/voice"] = twiml(f'<Record action="{APP}/recorded" finishOnKey="#"/>')
    app.routes["/recorded"] = twiml("<Hangup/>")

    pressed = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(interactive=True))
    sim.advance(8)
    sim.press(pressed.sid, "#")
    hung_up = sim.dial_in(
        from_=CALLER, to=OUR_NUMBER, script=CallerScript(interactive=True, hang_up_after=6)
    )
    sim.run()

    by_call = {p["CallSid"]: p for p in app.to("/recorded")}
    assert by_call[pressed.sid]["Digits"] == "#"
    assert by_call[pressed.sid]["RecordingDuration"] == "8"
    assert by_call[hung_up.sid]["Digits"] == "hangup"
    assert by_call[hung_up.sid]["CallStatus"] == "completed"


def test_anonymous_caller(sim, app):
    app.routes["/voice"] = lambda p: twiml(f"<Say>{p['From']}</Say>")

    call = sim.dial_in(from_="anonymous", to=OUR_NUMBER)
    sim.run()

    assert call.said == "anonymous"
