"""SMS in (posted to the number's sms_url, replies recorded) and out (REST, status callbacks)."""

from __future__ import annotations

from .conftest import APP, CALLER, OUR_NUMBER, twiml


def test_inbound_sms_posts_to_sms_url_and_records_the_reply(sim, app):
    app.routes["/sms"] = lambda p: twiml(f"<Message>You said: {p['Body']}</Message>")

    message = sim.receive_sms(from_=CALLER, to=OUR_NUMBER, body="hi")
    sim.run()

    posted = app.to("/sms")[0]
    assert posted["MessageSid"] == message.sid and message.sid.startswith("SM")
    assert (posted["From"], posted["To"], posted["Body"]) == (CALLER, OUR_NUMBER, "hi")
    assert (posted["SmsStatus"], posted["NumMedia"]) == ("received", "0")
    (reply,) = message.replies
    assert (reply.body, reply.from_, reply.to) == ("You said: hi", OUR_NUMBER, CALLER)
    assert (reply.direction, reply.status) == ("outbound-reply", "delivered")
    assert message.errors == []


def test_an_empty_answer_sends_no_reply(sim, app):
    app.routes["/sms"] = ""

    message = sim.receive_sms(from_=CALLER, to=OUR_NUMBER, body="STOP")
    sim.run()

    assert message.replies == [] and message.errors == []


def test_a_failing_sms_webhook_is_recorded(sim, app):
    app.routes["/sms"] = (500, "boom")

    message = sim.receive_sms(from_=CALLER, to=OUR_NUMBER, body="hi")
    sim.run()

    assert message.errors[0]["error"].startswith("11200")


def test_rest_message_goes_sent_then_delivered_with_callbacks(sim, app, sdk):
    created = sdk.messages.create(
        to=CALLER,
        from_=OUR_NUMBER,
        body="Your callback is booked",
        status_callback=f"{APP}/sms-status",
    )
    sim.run()

    assert (created.status, created.direction, created.body) == (
        "queued",
        "outbound-api",
        "Your callback is booked",
    )
    assert [p["MessageStatus"] for p in app.to("/sms-status")] == ["sent", "delivered"]
    fetched = sdk.messages(created.sid).fetch()
    assert fetched.status == "delivered" and fetched.date_sent is not None
    assert [m.sid for m in sdk.messages.list(to=CALLER)] == [created.sid]
