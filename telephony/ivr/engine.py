"""The IVR's flow engine: what a caller hears at each node of a flow, and where their
input takes them.

Each function returns a TwiML document; call records are written through `calls`, queues
entered through the ACD, and Do-Not-Call requests go to crm. A flow's structure is checked
by `checks.flow_problems` before admins can save it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.utils import timezone

from crm import services as crm_services
from crm.models import Customer, DncSource
from crm.phones import try_normalize_phone
from crm.selectors import customer_open_cases

from .. import twiml
from ..acd.waiting import enqueue_document, safe_route
from ..calls import services
from ..calls.selectors import language_for
from ..models import Call, IvrMenuOption, IvrNode
from .selectors import business_hours_open

MAX_CASES_READ = 5
DNC_ADDED = "Your number has been added to our do-not-call list. Goodbye."
DNC_NO_NUMBER = "Sorry, we cannot see your number, so we could not add it to our do-not-call list."


def _message(
    response: twiml.Document | twiml.Prompt, call: Call, node: IvrNode, text: str = ""
) -> None:
    if node.play_url and not text:
        twiml.play(response, node.play_url)
    elif text or node.message:
        twiml.say(
            response, text or node.message, language=language_for(call, node), voice=node.voice
        )


def start(call: Call) -> twiml.Document:
    """The first TwiML of an incoming call: the dialled number's flow, or the safe route."""
    line = call.inbound_number
    flow = line.flow if line is not None else None
    if flow is None or flow.entry_node is None:
        return safe_route(call)
    return enter(call, flow.entry_node)


def enter(call: Call, node: IvrNode, *, attempt: int = 1, prefix: str = "") -> twiml.Document:
    """Take the caller to `node`; `prefix` is said first (e.g. "that is not a choice")."""
    call = services.call_enter_node(call=call, node=node)
    response = twiml.document()
    if prefix:
        twiml.say(response, prefix, language=language_for(call, node))
    return _RENDERERS[node.kind](call, node, response, attempt)


def _continue(call: Call, node_id: int | None, response: twiml.Document) -> twiml.Document:
    """Go on to node `node_id` with a round trip (so its visit is recorded), or hang up.

    Only the id goes into the URL, so the node is not loaded here: its own webhook does that.
    """
    if node_id is None:
        return twiml.hang_up(response)
    return twiml.redirect(response, twiml.webhook_url("ivr_node", node_id))


def _render_say(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    _message(response, call, node)
    return _continue(call, node.next_node_id, response)


def _render_menu(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    options = list(node.options.all())
    single_keys = all(len(option.digit) == 1 for option in options)
    action = twiml.webhook_url("ivr_input", node.pk, attempt=attempt)
    keys = twiml.prompt(
        response,
        action=action,
        timeout=node.timeout,
        keys=1 if single_keys else None,
        speech_language=language_for(call, node) if node.accept_speech else "",
        hints=", ".join(w for option in options for w in option.keyword_list()),
    )
    _message(keys, call, node)
    # No input: Twilio falls through to here, and we count it as a failed attempt.
    return twiml.redirect(response, action)


def _render_queue(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    if node.queue is None:
        raise LookupError(f"Queue node {node.key} has no queue.")  # flow checks require one
    _message(response, call, node)
    return enqueue_document(call, node.queue, response)


def _render_transfer(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    _message(response, call, node)
    return twiml.dial_number(
        response, node.transfer_to, action=twiml.webhook_url("ivr_dial_result", node.pk)
    )


def _render_voicemail(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    return twiml.voicemail(
        response,
        language=language_for(call, node),
        prompt=node.message or twiml.VOICEMAIL_PROMPT,
        max_seconds=node.max_recording_seconds,
        node_id=node.pk,
    )


def _render_self_service(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    if call.customer is not None:
        _read_case_status(response, call, call.customer, node)
        return _continue(call, node.next_node_id, response)
    action = twiml.webhook_url("ivr_input", node.pk, attempt=attempt)
    keys = twiml.prompt(response, action=action, timeout=node.timeout, finish_on_key="#")
    _message(keys, call, node, node.message or "Please enter your account number, then pound.")
    return twiml.redirect(response, action)


def _render_hours(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    hours = node.business_hours or (
        call.inbound_number.business_hours if call.inbound_number is not None else None
    )
    is_open = hours is None or business_hours_open(hours=hours, at=timezone.now())
    return _continue(call, node.next_node_id if is_open else node.closed_node_id, response)


def _render_do_not_call(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    number = try_normalize_phone(call.from_number)
    if number is None:
        # Anonymous or unreadable caller ID: nothing to add, and the caller should know.
        _message(response, call, node, DNC_NO_NUMBER)
    else:
        crm_services.dnc_add(
            phone=number, source=DncSource.IVR_REQUEST, reason=f"Asked in the IVR ({node.key})"
        )
        _message(response, call, node, "" if node.message or node.play_url else DNC_ADDED)
    return _continue(call, node.next_node_id, response)


def _render_hangup(
    call: Call, node: IvrNode, response: twiml.Document, attempt: int
) -> twiml.Document:
    _message(response, call, node)
    return twiml.hang_up(response)


Renderer = Callable[[Call, IvrNode, twiml.Document, int], twiml.Document]

# Keyed by IvrNode.kind, which the model holds as a plain string.
_RENDERERS: dict[str, Renderer] = {
    IvrNode.Kind.SAY: _render_say,
    IvrNode.Kind.MENU: _render_menu,
    IvrNode.Kind.QUEUE: _render_queue,
    IvrNode.Kind.TRANSFER: _render_transfer,
    IvrNode.Kind.VOICEMAIL: _render_voicemail,
    IvrNode.Kind.SELF_SERVICE: _render_self_service,
    IvrNode.Kind.HOURS: _render_hours,
    IvrNode.Kind.DO_NOT_CALL: _render_do_not_call,
    IvrNode.Kind.HANGUP: _render_hangup,
}


def _read_case_status(
    response: twiml.Document, call: Call, customer: Customer, node: IvrNode
) -> None:
    cases = list(customer_open_cases(customer=customer)[:MAX_CASES_READ])
    first_name = customer.name.split()[0]
    if not cases:
        text = f"Hello {first_name}. You have no open cases."
    else:
        count = "one open case" if len(cases) == 1 else f"{len(cases)} open cases"
        parts = [
            f"Case {case.pk}, {case.subject}, is {case.get_status_display().lower()}."
            for case in cases
        ]
        text = f"Hello {first_name}. You have {count}. " + " ".join(parts)
    twiml.say(response, text, language=language_for(call, node), voice=node.voice)


def _account(digits: str) -> Customer | None:
    """The customer whose account number is these keyed digits (AC-digits or digits)."""
    if not digits.isdigit():
        return None
    return Customer.objects.filter(account_number__in=[f"AC-{digits}", digits]).first()


def _matching_option(
    options: Iterable[IvrMenuOption], digits: str, speech: str
) -> IvrMenuOption | None:
    for option in options:
        if digits and digits == option.digit:
            return option
    words = speech.lower()
    for option in options:
        if words and any(keyword in words for keyword in option.keyword_list()):
            return option
    return None


def handle_input(
    call: Call, node: IvrNode, params: Mapping[str, str], attempt: int
) -> twiml.Document:
    """What a menu or self-service node does with the caller's keys or words."""
    digits = params.get("Digits", "").strip()[:32]
    speech = params.get("SpeechResult", "").strip()[:200]
    heard = bool(digits or speech)
    if node.kind == IvrNode.Kind.MENU:
        option = _matching_option(node.options.select_related("target"), digits, speech)
        services.call_record_input(
            call=call,
            node=node,
            digits=digits,
            speech=speech,
            label=option.label if option else "",
        )
        if option is not None:
            return enter(call, option.target)
    elif node.kind == IvrNode.Kind.SELF_SERVICE:
        customer = _account(digits) if digits else None
        services.call_record_input(call=call, node=node, digits=digits)
        if customer is not None:
            call = services.call_identify(call=call, customer=customer, by="account")
            response = twiml.document()
            _read_case_status(response, call, customer, node)
            return _continue(call, node.next_node_id, response)
    else:
        return enter(call, node)
    retry = node.invalid_message if heard else node.no_input_message
    if node.kind == IvrNode.Kind.SELF_SERVICE and heard:
        retry = "Sorry, I could not find that account number."
    if attempt < node.max_attempts:
        return enter(call, node, attempt=attempt + 1, prefix=retry)
    if node.default_node is not None:
        return enter(call, node.default_node, prefix=retry)
    return safe_route(call, apology=retry)


def dial_result(call: Call, node: IvrNode, params: Mapping[str, str]) -> twiml.Document:
    """After a transfer: done if the other side answered, else the safe route."""
    status = params.get("DialCallStatus", "")
    services.call_record_input(call=call, node=node, label=f"transfer {status}".strip())
    if status in {"completed", "answered"}:
        return twiml.hang_up(twiml.document())
    return safe_route(call, apology="Sorry, nobody could take your call there.")
