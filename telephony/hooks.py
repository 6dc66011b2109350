"""What apps above telephony plug into a call's flow, as they register it (telephony must
not import them): where a caller goes when their conversation with the agent is over (a
post-call survey), and who answers an incoming text before the default reply (a survey
reply)."""

from __future__ import annotations

from collections.abc import Callable

from .models import Call, QueueEntry, SmsMessage

# For the caller's call and its last answered entry: the URL of the TwiML the caller is
# sent to once the agent has left, or None to let them go.
AfterConversation = Callable[[Call, QueueEntry], str | None]
# For an incoming text (already kept): the reply to send, or None when it is not theirs.
SmsAnswer = Callable[[SmsMessage], str | None]

_AFTER_CONVERSATION: list[AfterConversation] = []
_SMS_ANSWERS: list[SmsAnswer] = []


def register_after_conversation(handler: AfterConversation) -> None:
    """`handler` may keep the caller on the line once the agent leaves the conference."""
    if handler not in _AFTER_CONVERSATION:
        _AFTER_CONVERSATION.append(handler)


def register_sms_answer(handler: SmsAnswer) -> None:
    """`handler` may answer incoming texts (the first that answers wins)."""
    if handler not in _SMS_ANSWERS:
        _SMS_ANSWERS.append(handler)


def after_conversation_url(call: Call, entry: QueueEntry) -> str | None:
    """Where the first registered handler that wants the caller sends them, if any does."""
    for handler in _AFTER_CONVERSATION:
        url = handler(call, entry)
        if url:
            return url
    return None


def sms_answer(message: SmsMessage) -> str | None:
    """The reply the first handler that recognizes the message gives, if any does."""
    for handler in _SMS_ANSWERS:
        reply = handler(message)
        if reply is not None:
            return reply
    return None
