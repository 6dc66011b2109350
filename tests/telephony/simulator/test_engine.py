"""The engine and transports: runaway loops, time caps, webhook delivery details."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from telephony.simulator import (
    CallerScript,
    DjangoClientTransport,
    SimulatorStuck,
)

from .conftest import APP, CALLER, OUR_NUMBER, twiml


def test_a_redirect_loop_at_one_instant_is_reported(sim, app):
    app.routes["/voice"] = twiml(f"<Redirect>{APP}/voice</Redirect>")

    sim.dial_in(from_=CALLER, to=OUR_NUMBER)

    with pytest.raises(SimulatorStuck):
        sim.run()


def test_run_until_idle_is_capped(make_sim, app):
    sim = make_sim(max_run_seconds=600)
    app.routes["/voice"] = twiml(f'<Enqueue waitUrl="{APP}/wait">q</Enqueue>')
    app.routes["/wait"] = twiml("<Say>Still waiting</Say>")
    sim.dial_in(from_=CALLER, to=OUR_NUMBER)

    with pytest.raises(SimulatorStuck):
        sim.run()
    sim.run(seconds=60)  # a bounded slice is fine


def test_empty_wait_documents_loop_at_most_once_a_second(sim, app):
    app.routes["/voice"] = twiml(f'<Enqueue waitUrl="{APP}/wait">q</Enqueue>')
    app.routes["/wait"] = twiml()

    sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(patience=10))
    sim.run()

    assert len(app.to("/wait")) == 10


def test_advance_moves_the_clock_even_when_idle(sim):
    before = sim.clock.now()

    sim.advance(90)

    assert (sim.clock.now() - before).total_seconds() == 90


def test_django_client_transport_posts_form_encoded_with_the_signature():
    seen = {}

    class StubClient:
        def post(self, path, data, content_type, **extra):
            seen.update(path=path, data=data, content_type=content_type, **extra)
            return SimpleNamespace(
                status_code=200,
                content=b"<Response/>",
                charset="utf-8",
                get=lambda k, d: "text/xml",
            )

    response = DjangoClientTransport(StubClient()).send(
        "POST", "https://app.example.com/voice/?a=1", {"CallSid": "CA1", "Digits": "1#"}, "sig"
    )

    assert (response.status, response.body) == (200, "<Response/>")
    assert seen["path"] == "/voice/?a=1"
    assert seen["data"] == "CallSid=CA1&Digits=1%23"
    assert seen["content_type"] == "application/x-www-form-urlencoded"
    assert (seen["HTTP_X_TWILIO_SIGNATURE"], seen["HTTP_HOST"], seen["secure"]) == (
        "sig",
        "app.example.com",
        True,
    )


def test_django_client_transport_turns_a_crashing_view_into_a_500():
    class Crashing:
        def post(self, *args, **kwargs):
            raise RuntimeError("view exploded")

    response = DjangoClientTransport(Crashing()).send("POST", "http://t/x", {}, "sig")

    assert response.status == 500 and "view exploded" in response.body


def test_every_sid_and_value_the_simulator_sends_has_twilios_shape(sim, app):
    from telephony.webhooks import PARAM_SHAPES, param_problems

    app.routes["/voice"] = twiml(
        f'<Record action="{APP}/recorded" maxLength="5" recordingStatusCallback="{APP}/recording"/>'
    )
    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(hang_up_after=8))
    sim.receive_sms(from_=CALLER, to=OUR_NUMBER, body="Hello")
    sim.run()

    assert call.sid and app.to("/status") and app.to("/sms")
    checked = {name for _path, params in app.requests for name in params if name in PARAM_SHAPES}
    assert {"CallSid", "AccountSid", "MessageSid", "RecordingSid", "SequenceNumber"} <= checked
    problems = [(path, param_problems(params, requires=())) for path, params in app.requests]
    assert [(path, found) for path, found in problems if found] == []
