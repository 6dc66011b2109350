"""The IVR: what a caller hears at each node of a flow, and where their input takes them.

Each function returns TwiML for Twilio; writes go through telephony.services. Flow
structure is checked by `flow_problems` before admins can save it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils import timezone
from twilio.twiml.voice_response import VoiceResponse

from crm import services as crm_services
from crm.models import DncSource
from crm.phones import try_normalize_phone
from crm.selectors import customer_open_cases

from . import offers, services, twiml
from .models import Call, IvrMenuOption, IvrNode, Queue
from .selectors import business_hours_open

MAX_CASES_READ = 5
DNC_ADDED = "Your number has been added to our do-not-call list. Goodbye."
DNC_NO_NUMBER = "Sorry, we cannot see your number, so we could not add it to our do-not-call list."


def language_for(call: Call, node: IvrNode | None = None) -> str:
    """The node's language if set, else the caller's, else the dialled number's."""
    if node is not None and node.language:
        return node.language
    if call.customer_id:
        return call.customer.preferred_language
    if call.inbound_number_id:
        return call.inbound_number.language
    return "en-US"


def _message(response: VoiceResponse | object, call: Call, node: IvrNode, text: str = "") -> None:
    if node.play_url and not text:
        response.play(node.play_url)
    elif text or node.message:
        twiml.say(
            response, text or node.message, language=language_for(call, node), voice=node.voice
        )


def start(call: Call) -> VoiceResponse:
    """The first TwiML of an incoming call: the dialled number's flow, or the safe route."""
    flow = call.inbound_number.flow if call.inbound_number_id else None
    if flow is None or flow.entry_node_id is None:
        return safe_route(call)
    return enter(call, flow.entry_node)


def enter(call: Call, node: IvrNode, *, attempt: int = 1, prefix: str = "") -> VoiceResponse:
    """Take the caller to `node`; `prefix` is said first (e.g. "that is not a choice")."""
    call = services.call_enter_node(call=call, node=node)
    response = VoiceResponse()
    if prefix:
        twiml.say(response, prefix, language=language_for(call, node))
    return _RENDERERS[node.kind](call, node, response, attempt)


def _continue(call: Call, node_id: int | None, response: VoiceResponse) -> VoiceResponse:
    """Go on to node `node_id` with a round trip (so its visit is recorded), or hang up.

    Only the id goes into the URL, so the node is not loaded here: its own webhook does that.
    """
    if node_id is None:
        response.hangup()
    else:
        response.redirect(twiml.webhook_url("ivr_node", node_id), method="POST")
    return response


def _render_say(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
    _message(response, call, node)
    return _continue(call, node.next_node_id, response)


def _render_menu(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
    options = list(node.options.all())
    single_keys = all(len(option.digit) == 1 for option in options)
    action = twiml.webhook_url("ivr_input", node.pk, attempt=attempt)
    kwargs = {}
    if node.accept_speech:
        kwargs["hints"] = ", ".join(w for option in options for w in option.keyword_list())
    gather = response.gather(
        input="dtmf speech" if node.accept_speech else "dtmf",
        num_digits=1 if single_keys else None,
        timeout=node.timeout,
        action=action,
        method="POST",
        language=language_for(call, node),
        **kwargs,
    )
    _message(gather, call, node)
    # No input: Twilio falls through to here, and we count it as a failed attempt.
    response.redirect(action, method="POST")
    return response


def _render_queue(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
    _message(response, call, node)
    services.call_enqueue(call=call, queue=node.queue)
    return twiml.enqueue(response, queue_id=node.queue_id, queue_name=node.queue.name)


def _render_transfer(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
    _message(response, call, node)
    dial = response.dial(
        action=twiml.webhook_url("ivr_dial_result", node.pk), method="POST", timeout=30
    )
    dial.number(node.transfer_to)
    return response


def _render_voicemail(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
    return twiml.voicemail(
        response,
        language=language_for(call, node),
        prompt=node.message or twiml.VOICEMAIL_PROMPT,
        max_seconds=node.max_recording_seconds,
        node_id=node.pk,
    )


def _render_self_service(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
    if call.customer_id:
        _read_case_status(response, call, node)
        return _continue(call, node.next_node_id, response)
    action = twiml.webhook_url("ivr_input", node.pk, attempt=attempt)
    gather = response.gather(
        input="dtmf", finish_on_key="#", timeout=node.timeout, action=action, method="POST"
    )
    _message(gather, call, node, node.message or "Please enter your account number, then pound.")
    response.redirect(action, method="POST")
    return response


def _render_hours(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
    hours = node.business_hours or (
        call.inbound_number.business_hours if call.inbound_number_id else None
    )
    is_open = hours is None or business_hours_open(hours=hours, at=timezone.now())
    return _continue(call, node.next_node_id if is_open else node.closed_node_id, response)


def _render_do_not_call(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
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


def _render_hangup(call: Call, node: IvrNode, response: VoiceResponse, attempt: int):
    _message(response, call, node)
    response.hangup()
    return response


_RENDERERS = {
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


def _read_case_status(response: VoiceResponse, call: Call, node: IvrNode) -> None:
    cases = list(customer_open_cases(customer=call.customer)[:MAX_CASES_READ])
    first_name = call.customer.name.split()[0]
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


def _matching_option(options: Iterable[IvrMenuOption], digits: str, speech: str):
    for option in options:
        if digits and digits == option.digit:
            return option
    words = speech.lower()
    for option in options:
        if words and any(keyword in words for keyword in option.keyword_list()):
            return option
    return None


def handle_input(call: Call, node: IvrNode, params: Mapping[str, str], attempt: int):
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
        customer = services.account_lookup(digits=digits) if digits else None
        services.call_record_input(call=call, node=node, digits=digits)
        if customer is not None:
            call = services.call_identify(call=call, customer=customer, by="account")
            response = VoiceResponse()
            _read_case_status(response, call, node)
            return _continue(call, node.next_node_id, response)
    else:
        return enter(call, node)
    retry = node.invalid_message if heard else node.no_input_message
    if node.kind == IvrNode.Kind.SELF_SERVICE and heard:
        retry = "Sorry, I could not find that account number."
    if attempt < node.max_attempts:
        return enter(call, node, attempt=attempt + 1, prefix=retry)
    if node.default_node_id:
        return enter(call, node.default_node, prefix=retry)
    return safe_route(call, apology=retry)


def dial_result(call: Call, node: IvrNode, params: Mapping[str, str]) -> VoiceResponse:
    """After a transfer: done if the other side answered, else the safe route."""
    status = params.get("DialCallStatus", "")
    services.call_record_input(call=call, node=node, label=f"transfer {status}".strip())
    if status in {"completed", "answered"}:
        response = VoiceResponse()
        response.hangup()
        return response
    return safe_route(call, apology="Sorry, nobody could take your call there.")


def safe_route(call: Call | None, *, apology: str = twiml.APOLOGY) -> VoiceResponse:
    """Where a caller goes when the IVR cannot help: the default queue, else voicemail."""
    language = language_for(call) if call is not None else "en-US"
    response = VoiceResponse()
    twiml.say(response, apology, language=language)
    queue = Queue.objects.filter(is_default=True).first()
    if queue is not None and call is not None:
        services.call_enqueue(call=call, queue=queue)
        twiml.say(response, "Please hold for the next available agent.", language=language)
        return twiml.enqueue(response, queue_id=queue.pk, queue_name=queue.name)
    return twiml.voicemail(
        response, language=language, prompt=twiml.VOICEMAIL_PROMPT, max_seconds=120, node_id=None
    )


def queue_wait(call: Call | None, queue: Queue, params: Mapping[str, str]) -> VoiceResponse:
    """What callers hear while they wait; Twilio repeats this document until they leave."""
    language = language_for(call) if call is not None else "en-US"
    entry = offers.note_queue_sid(call=call, params=params)
    if entry is not None:
        queue_time = params.get("QueueTime", "0")
        return offers.wait_announcement(
            entry, language=language, queue_time=int(queue_time) if queue_time.isdigit() else 0
        )
    response = VoiceResponse()
    twiml.say(response, "Please stay on the line.", language=language)
    response.pause(length=queue.announcement_interval_seconds)
    return response


def queue_result(call: Call | None, params: Mapping[str, str]) -> VoiceResponse:
    """After the caller left the queue: nothing more unless the queue failed them."""
    result = params.get("QueueResult", "")
    if call is not None:
        services.call_queue_left(call=call, result=result)
        offers.caller_left_queue(call=call, result=result)
    if result == "leave" and call is not None and offers.left_for_voicemail(call):
        return offers.max_wait_voicemail(language=language_for(call))
    if result in {"queue-full", "error", "system-error", "leave"}:
        return safe_route(None, apology="Sorry, we cannot take your call right now.")
    response = VoiceResponse()
    response.hangup()
    return response


# --- Flow structure -----------------------------------------------------------------------


def _edges(node: IvrNode, options: list[IvrMenuOption]) -> list[int | None]:
    """Where a caller can go from `node` (None: a reference to no node)."""
    kind = node.kind
    if kind == IvrNode.Kind.MENU:
        return [option.target_id for option in options] + [node.default_node_id]
    if kind == IvrNode.Kind.HOURS:
        return [node.next_node_id, node.closed_node_id]
    if kind == IvrNode.Kind.SELF_SERVICE:
        return [node.next_node_id, node.default_node_id]
    if kind in (IvrNode.Kind.SAY, IvrNode.Kind.DO_NOT_CALL):
        return [node.next_node_id]
    return []


def _ends(node: IvrNode) -> bool:
    """Nodes where a caller's way through the IVR can end without going elsewhere."""
    if node.kind in IvrNode.TERMINAL_KINDS:
        return True
    ends_after_message = (IvrNode.Kind.SAY, IvrNode.Kind.SELF_SERVICE, IvrNode.Kind.DO_NOT_CALL)
    if node.kind in ends_after_message and not node.next_node_id:
        return True  # they hang up after the message
    # A menu with no default sends callers to the safe route after the last attempt.
    return node.kind == IvrNode.Kind.MENU and not node.default_node_id


def flow_problems(
    flow_id: int,
    *,
    edited: IvrNode | None = None,
    edited_options: list[IvrMenuOption] | None = None,
    entry_node_id: int | None = None,
) -> list[str]:
    """What is wrong with a flow's structure, with `edited` (unsaved) in its node's place.

    Refused: references to nodes of another flow, menus without choices, and nodes from
    which a caller can never reach an end (a loop with no exit).
    """
    nodes = {n.pk: n for n in IvrNode.objects.filter(flow_id=flow_id).prefetch_related("options")}
    options = {pk: list(node.options.all()) for pk, node in nodes.items()}
    if edited is not None and edited.pk:
        nodes[edited.pk] = edited
        if edited_options is not None:
            options[edited.pk] = edited_options
    edges = {pk: [t for t in _edges(node, options[pk]) if t] for pk, node in nodes.items()}
    problems = []
    for pk, targets in edges.items():
        if any(target not in nodes for target in targets):
            problems.append(f"“{nodes[pk].key}” leads to a node outside this flow.")
        if nodes[pk].kind == IvrNode.Kind.MENU and not options[pk]:
            problems.append(f"Menu “{nodes[pk].key}” has no choices.")
    # Walk backwards from the ends. A caller picks their way through menus (one way out
    # suffices), but the clock picks an hours branch (both ways must lead out).
    can_end = {pk for pk, node in nodes.items() if _ends(node)}
    changed = True
    while changed:
        changed = False
        for pk, targets in edges.items():
            if pk in can_end or not targets:
                continue
            reach = [t in can_end for t in targets]
            if all(reach) if nodes[pk].kind == IvrNode.Kind.HOURS else any(reach):
                can_end.add(pk)
                changed = True
    for pk in sorted(set(nodes) - can_end, key=lambda pk: nodes[pk].key):
        problems.append(f"From “{nodes[pk].key}” callers go round in a loop with no way out.")
    if entry_node_id is not None and entry_node_id not in nodes:
        problems.append("The entry node must belong to this flow.")
    return problems
