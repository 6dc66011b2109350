"""Twilio webhooks through Django's full request stack, one request at a time."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from crm import services as crm_services
from crm.models import Case, Customer, Interaction
from telephony.acd import waiting
from telephony.calls import selectors
from telephony.calls import services as telephony_services
from telephony.ivr import engine as ivr
from telephony.models import Call, CallEvent, IvrFlow, IvrNode, Queue, Recording, SmsMessage
from tests.telephony.conftest import OUR_NUMBER, new_call_sid, sign, voice_params

pytestmark = pytest.mark.django_db

INCOMING = "/telephony/voice/incoming/"
STATUS = "/telephony/voice/status/"
FALLBACK = "/telephony/voice/fallback/"
SMS = "/telephony/sms/incoming/"
NEW_YORK = dt.timezone(dt.timedelta(hours=-5))
MONDAY_10AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)
SUNDAY_10AM = dt.datetime(2026, 11, 22, 10, 0, tzinfo=NEW_YORK)


def _verbs(twiml) -> list[str]:
    return [element.tag for element in twiml]


class TestSignatures:
    def test_signed_request_is_answered(self, twilio_post, support_line):
        response = twilio_post(INCOMING, voice_params(new_call_sid()))
        assert response.status_code == 200

    def test_wrong_token_is_refused(self, twilio_post, support_line, caplog):
        params = voice_params(new_call_sid())
        forged = sign(settings.PUBLIC_BASE_URL + INCOMING, params, token="not-the-token")
        response = twilio_post(INCOMING, params, signature=forged)
        assert response.status_code == 403
        assert not Call.objects.exists()
        assert "bad signature" in caplog.text

    def test_signature_for_another_url_is_refused(self, twilio_post, support_line):
        params = voice_params(new_call_sid())
        elsewhere = sign("https://evil.example.com" + INCOMING, params)
        assert twilio_post(INCOMING, params, signature=elsewhere).status_code == 403

    def test_missing_signature_is_refused(self, client, support_line):
        response = client.post(INCOMING, voice_params(new_call_sid()))
        assert response.status_code == 403

    def test_tampered_parameters_are_refused(self, twilio_post, support_line):
        params = voice_params(new_call_sid())
        signature = sign(settings.PUBLIC_BASE_URL + INCOMING, params)
        assert (
            twilio_post(
                INCOMING, {**params, "From": "+19995550100"}, signature=signature
            ).status_code
            == 403
        )

    def test_behind_a_tls_proxy_the_public_url_is_checked(self, client, settings, support_line):
        # Twilio signs https://cc.example.com/...; the app sees plain HTTP from the proxy.
        settings.PUBLIC_BASE_URL = "https://cc.example.com"
        settings.ALLOWED_HOSTS = ["*"]
        params = voice_params(new_call_sid())
        signature = sign("https://cc.example.com" + INCOMING, params)
        response = client.post(
            INCOMING, params, headers={"X-Twilio-Signature": signature, "Host": "10.0.0.7:8000"}
        )
        assert response.status_code == 200

    def test_get_is_not_a_webhook(self, client, support_line):
        assert client.get(INCOMING).status_code == 405


class TestIncoming:
    def test_caller_is_matched_and_sent_into_the_flow(self, twilio_post, support_line):
        ava = crm_services.customer_create(
            name="Ava Chen", phone_numbers=[{"number": "4155550142"}]
        )
        sid = new_call_sid()
        with time_machine.travel(MONDAY_10AM):
            response = twilio_post(INCOMING, voice_params(sid))
        call = Call.objects.get(sid=sid)
        assert (call.customer, call.identified_by) == (ava, "caller_id")
        assert call.inbound_number == support_line
        assert [step["node"] for step in call.ivr_path] == ["hours"]
        greeting = IvrNode.objects.get(key="greeting")
        assert response.twiml[0].tag == "Redirect"
        assert response.twiml[0].text.endswith(f"/telephony/voice/ivr/{greeting.pk}/")

    def test_our_calls_belong_to_whom_we_call_not_to_the_caller_id_shown(self):
        ava = crm_services.customer_create(
            name="Ava Chen", phone_numbers=[{"number": "4155550142"}]
        )
        to_ava = telephony_services.call_start(
            params={"CallSid": new_call_sid(), "Direction": "outbound-api",
                    "From": OUR_NUMBER, "To": "+14155550142"}
        )  # fmt: skip
        # An agent's ring leg shows the customer's number as its caller ID.
        ring_leg = telephony_services.call_start(
            params={"CallSid": new_call_sid(), "Direction": "outbound-api",
                    "From": "+14155550142", "To": "client:alex"}
        )  # fmt: skip
        assert (to_ava.customer, to_ava.identified_by) == (ava, "number_called")
        assert (ring_leg.customer, ring_leg.identified_by) == (None, "")

    def test_repeated_incoming_webhook_keeps_one_call(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        twilio_post(INCOMING, voice_params(sid))
        assert Call.objects.filter(sid=sid).count() == 1
        assert CallEvent.objects.filter(call_sid=sid, kind="incoming").count() == 2

    def test_unknown_number_gets_an_apology_and_voicemail(self, twilio_post, support_line):
        Queue.objects.filter(is_default=True).delete()
        response = twilio_post(INCOMING, voice_params(new_call_sid(), To="+18005550999"))
        assert _verbs(response.twiml)[:2] == ["Say", "Say"]
        assert "sorry" in response.twiml[0].text.lower()
        assert "Record" in _verbs(response.twiml)

    def test_unknown_number_goes_to_the_default_queue_when_there_is_one(
        self, twilio_post, support_line
    ):
        sid = new_call_sid()
        response = twilio_post(INCOMING, voice_params(sid, To="+18005550999"))
        assert response.twiml[-1].tag == "Enqueue"
        assert response.twiml[-1].text == "General"
        assert Call.objects.get(sid=sid).state == Call.State.QUEUED

    def test_a_failure_inside_still_answers_with_the_safe_route(
        self, twilio_post, support_line, monkeypatch
    ):
        def broken(call):
            raise RuntimeError("database fell over")

        monkeypatch.setattr(ivr, "start", broken)
        response = twilio_post(INCOMING, voice_params(new_call_sid()))
        assert response.status_code == 200
        assert "sorry" in response.twiml[0].text.lower()

    def test_when_even_the_safe_route_fails_the_static_apology_answers(
        self, twilio_post, support_line, monkeypatch
    ):
        def broken(*args, **kwargs):
            raise RuntimeError("no database")

        monkeypatch.setattr(telephony_services, "call_start", broken)
        monkeypatch.setattr(waiting, "safe_route", broken)
        response = twilio_post(INCOMING, voice_params(new_call_sid()))
        assert response.status_code == 200
        assert "Record" in _verbs(response.twiml)

    def test_fallback_url_answers_with_the_safe_route(self, twilio_post, support_line):
        params = voice_params(new_call_sid(), ErrorCode="11200", ErrorUrl="https://x/")
        response = twilio_post(FALLBACK, params)
        assert response.status_code == 200
        assert "sorry" in response.twiml[0].text.lower()

    def test_deleted_node_means_safe_route(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        response = twilio_post("/telephony/voice/ivr/999999/", voice_params(sid))
        assert "sorry" in response.twiml[0].text.lower()

    def test_after_hours_the_closed_branch_is_taken(self, twilio_post, support_line):
        sid = new_call_sid()
        with time_machine.travel(SUNDAY_10AM):
            response = twilio_post(INCOMING, voice_params(sid))
        closed = IvrNode.objects.get(key="closed")
        assert response.twiml[0].text.endswith(f"/telephony/voice/ivr/{closed.pk}/")

    def test_holidays_close_the_line(self, twilio_post, support_line):
        support_line.business_hours.holidays.create(date=MONDAY_10AM.date(), name="Closed day")
        with time_machine.travel(MONDAY_10AM):
            response = twilio_post(INCOMING, voice_params(new_call_sid()))
        closed = IvrNode.objects.get(key="closed")
        assert response.twiml[0].text.endswith(f"/telephony/voice/ivr/{closed.pk}/")

    def test_an_incoming_call_costs_a_handful_of_statements(
        self, twilio_post, support_line, django_assert_max_num_queries
    ):
        crm_services.customer_create(name="Ava Chen", phone_numbers=[{"number": "4155550142"}])
        with time_machine.travel(MONDAY_10AM):
            twilio_post(INCOMING, voice_params(new_call_sid()))
            # The line is cached now: caller, call (written first, never read before),
            # IVR step, event, the hours node's two checks, and the savepoint the test's own
            # transaction makes of the webhook's.
            with django_assert_max_num_queries(8):
                response = twilio_post(INCOMING, voice_params(new_call_sid()))
        assert response.twiml[0].tag == "Redirect"

    def test_a_new_entry_node_answers_the_next_call(self, twilio_post, support_line):
        twilio_post(INCOMING, voice_params(new_call_sid()))
        flow = support_line.flow
        flow.entry_node = IvrNode.objects.get(key="greeting")
        flow.save()
        sid = new_call_sid()
        response = twilio_post(INCOMING, voice_params(sid))
        assert response.twiml[0].text == "Welcome to Example Support."
        assert [step["node"] for step in Call.objects.get(sid=sid).ivr_path] == ["greeting"]

    def test_a_flow_changed_by_another_process_answers_the_next_call(
        self, twilio_post, support_line
    ):
        twilio_post(INCOMING, voice_params(new_call_sid()))
        greeting = IvrNode.objects.get(key="greeting")
        # Another process changed the flow: no signal reaches this one, only the version
        # stamp it leaves in the shared cache once its transaction commits.
        IvrFlow.objects.filter(pk=support_line.flow_id).update(entry_node=greeting)
        cache.set(selectors.LINES_VERSION_KEY, uuid.uuid4().hex)
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        assert [step["node"] for step in Call.objects.get(sid=sid).ivr_path] == ["greeting"]


class TestStatusCallbacks:
    def _status(self, twilio_post, sid: str, status: str, seq: int, **extra: str):
        params = voice_params(
            sid,
            CallStatus=status,
            SequenceNumber=str(seq),
            Timestamp="Mon, 23 Nov 2026 15:00:00 +0000",
            **extra,
        )
        return twilio_post(STATUS, params)

    def test_completed_ends_the_call_and_writes_the_timeline_once(self, twilio_post, support_line):
        ava = crm_services.customer_create(name="Ava", phone_numbers=[{"number": "4155550142"}])
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        first = self._status(twilio_post, sid, "completed", 3, CallDuration="95")
        assert first.status_code == 204
        self._status(twilio_post, sid, "completed", 3, CallDuration="95")
        call = Call.objects.get(sid=sid)
        assert (call.state, call.duration_seconds) == (Call.State.ENDED, 95)
        entry = ava.interactions.get(kind=Interaction.Kind.CALL)
        assert "Inbound call to Main support line" in entry.summary
        assert "1m 35s" in entry.summary
        assert CallEvent.objects.filter(call=call, kind="status", ignored=True).count() == 1

    def test_late_callback_never_moves_a_call_backwards(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        self._status(twilio_post, sid, "completed", 3, CallDuration="10")
        self._status(twilio_post, sid, "ringing", 1)
        self._status(twilio_post, sid, "in-progress", 2)
        call = Call.objects.get(sid=sid)
        assert (call.twilio_status, call.state, call.last_sequence_number) == (
            "completed",
            Call.State.ENDED,
            3,
        )

    def test_out_of_order_without_sequence_numbers_uses_status_order(
        self, twilio_post, support_line
    ):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        twilio_post(STATUS, voice_params(sid, CallStatus="completed", CallDuration="4"))
        twilio_post(STATUS, voice_params(sid, CallStatus="ringing"))
        assert Call.objects.get(sid=sid).twilio_status == "completed"

    def test_unknown_status_is_acknowledged_and_logged(self, twilio_post):
        sid = new_call_sid()
        response = twilio_post(STATUS, voice_params(sid, CallStatus="exploded"))
        assert response.status_code == 204
        assert CallEvent.objects.get(call_sid=sid).ignored

    def test_a_status_callback_before_the_first_voice_webhook_ends_the_call(
        self, twilio_post, support_line
    ):
        ava = crm_services.customer_create(name="Ava", phone_numbers=[{"number": "4155550142"}])
        sid = new_call_sid()
        assert self._status(twilio_post, sid, "completed", 3, CallDuration="7").status_code == 204
        late = twilio_post(INCOMING, voice_params(sid))
        # Twilio asked late for the call's first document: it hangs up, nothing starts again.
        assert _verbs(late.twiml) == ["Hangup"]
        call = Call.objects.get(sid=sid)
        assert (call.state, call.duration_seconds, call.ivr_path) == (Call.State.ENDED, 7, [])
        assert not call.queue_entries.exists()
        assert ava.interactions.filter(kind=Interaction.Kind.CALL).count() == 1
        assert CallEvent.objects.get(call=call, kind="incoming").ignored

    def test_an_early_ringing_callback_leaves_the_call_to_its_voice_webhook(
        self, twilio_post, support_line
    ):
        sid = new_call_sid()
        self._status(twilio_post, sid, "ringing", 0)
        answer = twilio_post(INCOMING, voice_params(sid))
        assert "Hangup" not in _verbs(answer.twiml)
        assert Call.objects.get(sid=sid).ivr_path != []

    def test_event_log_redacts_numbers_and_keys(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        params = CallEvent.objects.get(call_sid=sid).params
        assert params["From"] == "+•••••••••42"
        assert "4155550142" not in str(params)


class TestVoicemail:
    def _record(self, twilio_post, sid: str, node: IvrNode | None):
        path = "/telephony/voice/voicemail/" + (f"?node={node.pk}" if node else "")
        return twilio_post(
            path,
            voice_params(
                sid,
                RecordingSid="RE" + "1" * 32,
                RecordingDuration="42",
                RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            ),
        )

    def test_voicemail_opens_a_case_for_the_caller_once(self, twilio_post, support_line):
        ava = crm_services.customer_create(name="Ava", phone_numbers=[{"number": "4155550142"}])
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        node = IvrNode.objects.get(key="voicemail")
        response = self._record(twilio_post, sid, node)
        self._record(twilio_post, sid, node)  # Twilio retried
        case = Case.objects.get()
        assert case.customer == ava
        assert case.category == "billing"
        assert "42s" in case.description and "RE" + "1" * 32 in case.description
        assert Recording.objects.get().case == case
        assert _verbs(response.twiml) == ["Say", "Hangup"]

    def test_voicemail_from_an_unknown_caller_creates_a_lead(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid, From="+13125550111"))
        self._record(twilio_post, sid, None)
        lead = Customer.objects.get()
        assert lead.is_lead
        assert lead.phone_numbers.get().number == "+13125550111"
        assert Case.objects.get().customer == lead

    def test_recording_status_completes_the_recording(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        self._record(twilio_post, sid, None)
        response = twilio_post(
            "/telephony/voice/recording-status/",
            {
                "AccountSid": settings.TWILIO_ACCOUNT_SID,
                "CallSid": sid,
                "RecordingSid": "RE" + "1" * 32,
                "RecordingStatus": "completed",
                "RecordingDuration": "43",
                "RecordingSource": "RecordVerb",
                "RecordingUrl": "https://api.twilio.com/x",
            },
        )
        assert response.status_code == 204
        recording = Recording.objects.get()
        assert (recording.status, recording.duration_seconds) == ("completed", 43)


class TestSms:
    def _sms(self, twilio_post, sid: str, sender: str, body: str = "Is my refund done?"):
        return twilio_post(
            SMS,
            {
                "MessageSid": sid,
                "SmsSid": sid,
                "AccountSid": settings.TWILIO_ACCOUNT_SID,
                "From": sender,
                "To": OUR_NUMBER,
                "Body": body,
                "NumMedia": "0",
            },
        )

    def test_known_sender_lands_on_the_timeline_without_reply(self, twilio_post, support_line):
        ava = crm_services.customer_create(name="Ava", phone_numbers=[{"number": "4155550142"}])
        response = self._sms(twilio_post, "SM" + "1" * 32, "+14155550142")
        assert b"<Message>" not in response.content
        entry = ava.interactions.get()
        assert (entry.kind, entry.summary) == ("sms", "Is my refund done?")

    def test_unknown_sender_becomes_a_lead_and_gets_the_reply(self, twilio_post, support_line):
        response = self._sms(twilio_post, "SM" + "2" * 32, "+13125550111")
        assert b"Thanks for your message" in response.content
        lead = Customer.objects.get()
        assert lead.is_lead and lead.interactions.get().kind == "sms"

    def test_reply_only_lines_create_no_lead(self, twilio_post, support_line):
        support_line.unknown_sender = "reply"
        support_line.save()
        self._sms(twilio_post, "SM" + "3" * 32, "+13125550111")
        assert not Customer.objects.exists()
        assert SmsMessage.objects.get().customer is None

    def test_messages_without_a_sid_are_refused_and_stored_never(
        self, twilio_post, support_line, caplog
    ):
        params = {"From": "+13125550111", "To": OUR_NUMBER, "Body": "Hello?"}
        first = twilio_post(SMS, params)
        second = twilio_post(SMS, {**params, "Body": "Anyone?"})
        assert (first.status_code, second.status_code) == (400, 400)
        assert not SmsMessage.objects.exists() and not CallEvent.objects.exists()
        assert "MessageSid is missing" in caplog.text

    def test_an_empty_sid_is_refused_by_the_database(self, support_line):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            SmsMessage.objects.create(sid="", direction="inbound", from_number="+1", to_number="+2")

    def test_repeated_message_is_kept_once(self, twilio_post, support_line):
        self._sms(twilio_post, "SM" + "4" * 32, "+13125550111")
        second = self._sms(twilio_post, "SM" + "4" * 32, "+13125550111")
        assert SmsMessage.objects.count() == 1
        assert b"<Message>" not in second.content


# Parameters Twilio sends, filled with anything at all.
_junk = st.text(max_size=40)
_params = st.fixed_dictionaries(
    {},
    optional={
        "CallSid": st.one_of(_junk, st.just("CA" + "f" * 32)),
        "From": st.one_of(_junk, st.just("anonymous"), st.just("+14155550142")),
        "To": st.one_of(_junk, st.just(OUR_NUMBER)),
        "CallStatus": st.one_of(_junk, st.sampled_from(["ringing", "completed", "in-progress"])),
        "Digits": _junk,
        "SpeechResult": _junk,
        "SequenceNumber": _junk,
        "Timestamp": _junk,
        "CallDuration": _junk,
        "QueueResult": _junk,
        "DialCallStatus": _junk,
        "RecordingSid": _junk,
        "RecordingDuration": _junk,
        "Direction": _junk,
    },
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=_params,
    target=st.sampled_from(
        ["incoming", "fallback", "menu", "status", "voicemail", "queue_result", "dial"]
    ),
)
def test_any_parameters_get_valid_twiml_and_never_a_500(twilio_post, support_line, params, target):
    menu = IvrNode.objects.get(key="main-menu")
    sales = IvrNode.objects.get(key="sales")
    queue = Queue.objects.get(name="Billing")
    path = {
        "incoming": INCOMING,
        "fallback": FALLBACK,
        "menu": f"/telephony/voice/ivr/{menu.pk}/input/?attempt=2",
        "status": STATUS,
        "voicemail": "/telephony/voice/voicemail/",
        "queue_result": f"/telephony/voice/queues/{queue.pk}/result/",
        "dial": f"/telephony/voice/ivr/{sales.pk}/dial/",
    }[target]
    # twilio_post validates every XML answer against the schema.
    response = twilio_post(path, params)
    # Callers always get TwiML; a status callback of the wrong shape is refused.
    assert response.status_code in ((200, 204, 400) if target == "status" else (200, 204))


class TestEveryWebhook:
    """One decorator serves every Twilio webhook: signature, transaction, event log, safe
    answer. A Twilio URL whose view lacks it would skip all four."""

    TWILIO_PREFIXES = ("/telephony/voice/", "/telephony/sms/", "/campaigns/voice/", "/qa/voice/")

    @staticmethod
    def _twilio_urls():
        from django.urls import get_resolver

        def walk(patterns, prefix=""):
            for pattern in patterns:
                route = prefix + str(pattern.pattern)
                if hasattr(pattern, "url_patterns"):
                    yield from walk(pattern.url_patterns, route)
                else:
                    yield "/" + route, pattern.callback

        return [
            (route, view)
            for route, view in walk(get_resolver().url_patterns)
            if route.startswith(TestEveryWebhook.TWILIO_PREFIXES)
        ]

    def test_every_twilio_url_is_a_twilio_webhook(self):
        urls = self._twilio_urls()
        assert len(urls) >= 25  # telephony's and the dialer's webhooks are all here
        unlogged = [route for route, view in urls if not getattr(view, "twilio_event", "")]
        assert unlogged == []

    def test_webhooks_that_kept_no_record_before_are_logged_now(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        node = support_line.flow.entry_node
        twilio_post(f"/telephony/voice/ivr/{node.pk}/", voice_params(sid))
        twilio_post(SMS, {"MessageSid": "SM" + "1" * 32, "From": "+14155550142", "To": OUR_NUMBER})
        kinds = list(CallEvent.objects.order_by("id").values_list("kind", flat=True))
        assert kinds == ["incoming", "ivr-node", "sms"]
        assert CallEvent.objects.get(kind="ivr-node").call == Call.objects.get(sid=sid)


class TestParameterShapes:
    """Signed is not well-formed: values that fit no field are refused at the edge."""

    def test_an_oversized_call_sid_gets_the_apology_and_nothing_is_stored(
        self, twilio_post, support_line
    ):
        response = twilio_post(INCOMING, voice_params("CA" + "a" * 5000))
        assert response.status_code == 200
        assert "Say" in _verbs(response.twiml)  # the apology, valid TwiML
        assert not Call.objects.exists() and not CallEvent.objects.exists()

    @pytest.mark.parametrize(
        "changes",
        [
            {"CallSid": "CA" + "A" * 32},  # Twilio's hex is lowercase
            {"CallSid": ""},
            {"AccountSid": "AC123"},
            {"ParentCallSid": "CA" + "1" * 31},
            {"From": "+1" + "5" * 100},
            {"SequenceNumber": "9" * 5000},
            {"SequenceNumber": "²"},
            {"CallStatus": "completed" * 10},
            {"DialCallStatus": "busy" * 100},
        ],
        ids=[
            "uppercase-sid",
            "empty-sid",
            "short-account",
            "short-parent",
            "long-number",
            "huge-sequence",
            "unicode-digit",
            "long-status",
            "long-dial-status",
        ],
    )
    def test_a_status_callback_of_the_wrong_shape_is_refused(
        self, twilio_post, support_line, changes, caplog
    ):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        params = {**voice_params(sid, CallStatus="completed", SequenceNumber="3"), **changes}
        response = twilio_post(STATUS, params)
        assert response.status_code == 400
        assert Call.objects.get(sid=sid).state != Call.State.ENDED
        assert CallEvent.objects.filter(kind="status").count() == 0
        assert "Refused webhook" in caplog.text

    def test_an_oversized_recording_url_opens_no_case(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        response = twilio_post(
            "/telephony/voice/voicemail/",
            voice_params(
                sid,
                RecordingSid="RE" + "1" * 32,
                RecordingDuration="42",
                RecordingUrl="https://api.twilio.com/" + "x" * 150_000,
            ),
        )
        assert response.status_code == 200 and "Say" in _verbs(response.twiml)
        assert not Case.objects.exists() and not Recording.objects.exists()

    def test_a_voicemail_without_its_recording_sid_is_refused(self, twilio_post, support_line):
        sid = new_call_sid()
        twilio_post(INCOMING, voice_params(sid))
        response = twilio_post("/telephony/voice/voicemail/", voice_params(sid))
        assert response.status_code == 200
        assert not Case.objects.exists() and not Recording.objects.exists()

    def test_an_oversized_message_body_is_refused(self, twilio_post, support_line):
        response = twilio_post(
            SMS,
            {
                "MessageSid": "SM" + "5" * 32,
                "From": "+13125550111",
                "To": OUR_NUMBER,
                "Body": "x" * 1601,
            },
        )
        assert response.status_code == 400
        assert not SmsMessage.objects.exists()
