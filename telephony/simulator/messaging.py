"""SMS: inbound messages posted to the number's sms_url, replies, REST-sent messages.

An inbound message is posted to the app like Twilio does (MessageSid, From, To, Body,
SmsStatus=received...); `<Message>` verbs in the answer become outbound-reply messages.
REST-created messages go queued -> sent -> delivered, reporting each step to their
StatusCallback.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element

from . import twiml
from .engine import Engine
from .state import API_VERSION, NumberConfig, SimMessage

SENT_SECONDS = 1.0
DELIVERED_SECONDS = 2.0
MAX_REDIRECTS = 10


class Messaging:
    def __init__(
        self, engine: Engine, *, account_sid: str, numbers: Callable[[str], NumberConfig]
    ) -> None:
        self.engine = engine
        self.account_sid = account_sid
        self.numbers = numbers
        self.messages: dict[str, SimMessage] = {}

    def new_message(
        self, *, direction: str, from_: str, to: str, body: str, status: str
    ) -> SimMessage:
        now = self.engine.now()
        message = SimMessage(
            sid=self.engine.sid("SM"),
            account_sid=self.account_sid,
            direction=direction,
            from_=from_,
            to=to,
            body=body,
            status=status,
            created_at=now,
            updated_at=now,
        )
        self.messages[message.sid] = message
        return message

    def receive(self, *, from_: str, to: str, body: str) -> SimMessage:
        message = self.new_message(
            direction="inbound", from_=from_, to=to, body=body, status="received"
        )
        message.sent_at = message.created_at
        self.engine.at(0, lambda: self.post_inbound(message))
        return message

    def post_inbound(self, message: SimMessage) -> None:
        number = self.numbers(message.to)
        if not number.sms_url:
            message.errors.append({"code": 11200, "message": f"No SMS URL for {message.to}"})
            return
        params = {
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "SmsMessageSid": message.sid,
            "AccountSid": self.account_sid,
            "From": message.from_,
            "To": message.to,
            "Body": message.body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": API_VERSION,
        }
        url, method = number.sms_url, number.sms_method
        for _ in range(MAX_REDIRECTS):
            exchange = self.engine.deliver("sms", url, params, method)
            message.trace.append(exchange)
            if exchange.error:
                message.errors.append({"url": url, "error": exchange.error})
                return
            try:
                verbs = twiml.parse_messaging(exchange.body)
            except twiml.TwimlError as exc:
                message.errors.append({"url": url, "code": exc.code, "error": str(exc)})
                return
            redirect = None
            for verb in verbs:
                if verb.tag == "Redirect":
                    redirect = twiml.resolve(url, twiml.text_of(verb))
                    method = twiml.method_attr(verb)
                    break
                self.reply(message, verb)
            if redirect is None:
                return
            url = redirect
        message.errors.append({"url": url, "error": "too many <Redirect>s"})

    def reply(self, message: SimMessage, verb: Element) -> None:
        body_element = verb.find("Body")
        body = twiml.text_of(body_element if body_element is not None else verb)
        reply = self.new_message(
            direction="outbound-reply",
            from_=verb.get("from", message.to),
            to=verb.get("to", message.from_),
            body=body,
            status="queued",
        )
        reply.status_callback = verb.get("statusCallback") or verb.get("action")
        message.replies.append(reply)
        self.schedule_progress(reply)

    def send(
        self,
        *,
        from_: str,
        to: str,
        body: str,
        status_callback: str | None,
        media_urls: list[str] | None = None,
    ) -> SimMessage:
        """A REST-created message (Messages.json POST)."""
        message = self.new_message(
            direction="outbound-api", from_=from_, to=to, body=body, status="queued"
        )
        message.status_callback = status_callback
        message.media_urls = list(media_urls or [])
        self.schedule_progress(message)
        return message

    def schedule_progress(self, message: SimMessage) -> None:
        self.engine.at(SENT_SECONDS, lambda: self.progress(message, "sent"))
        self.engine.at(DELIVERED_SECONDS, lambda: self.progress(message, "delivered"))

    def progress(self, message: SimMessage, status: str) -> None:
        if message.deleted:
            return
        message.status = status
        message.updated_at = self.engine.now()
        if status == "sent":
            message.sent_at = message.updated_at
        if not message.status_callback:
            return
        params = {
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "AccountSid": self.account_sid,
            "From": message.from_,
            "To": message.to,
            "MessageStatus": status,
            "SmsStatus": status,
            "ApiVersion": API_VERSION,
        }
        exchange = self.engine.deliver("message-status", message.status_callback, params)
        message.trace.append(exchange)
        if exchange.error:
            message.errors.append({"url": message.status_callback, "error": exchange.error})
