"""Twilio webhooks of the IVR: the incoming call (its URL goes into Twilio's console) and
one round trip per node, with the caller's input and a transfer's result."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from .. import twiml
from ..acd.waiting import safe_route
from ..models import Call, IvrNode
from ..webhooks import CallLookup, Webhook, twilio_webhook, voice_apology
from . import engine

logger = logging.getLogger(__name__)

NodeView = Callable[[Webhook, IvrNode], twiml.Document]


def _ended(hook: Webhook) -> twiml.Document | None:
    """Hang up on a call already over: its status callback came first (Twilio does not
    promise order), and leading it into the IVR or a queue would bring it back to life."""
    if hook.started_call.state != Call.State.ENDED:
        return None
    hook.ignored = True
    return twiml.hang_up(twiml.document())


@twilio_webhook("incoming", on_error=voice_apology, call=CallLookup.CREATE)
def voice_incoming(hook: Webhook) -> twiml.Document:
    """A call comes in to one of our numbers."""
    return _ended(hook) or engine.start(hook.started_call)


def _node_or_safe_route(view: NodeView) -> Callable[..., twiml.Document]:
    """Resolve the node in the URL; a node deleted since Twilio got its URL means safe route."""

    @wraps(view)
    def wrapper(hook: Webhook, node_id: int) -> twiml.Document:
        if (hung_up := _ended(hook)) is not None:
            return hung_up
        node = IvrNode.objects.select_related("flow", "queue").filter(pk=node_id).first()
        if node is None:
            logger.warning("Call %s asked for IVR node %s, which is gone.", hook.call, node_id)
            return safe_route(hook.call)
        return view(hook, node)

    return wrapper


def _attempt(hook: Webhook) -> int:
    value = hook.query.get("attempt", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100 else 1


@twilio_webhook("ivr-node", on_error=voice_apology)
@_node_or_safe_route
def ivr_node(hook: Webhook, node: IvrNode) -> twiml.Document:
    return engine.enter(hook.started_call, node)


@twilio_webhook("input", on_error=voice_apology)
@_node_or_safe_route
def ivr_input(hook: Webhook, node: IvrNode) -> twiml.Document:
    return engine.handle_input(hook.started_call, node, hook.params, _attempt(hook))


@twilio_webhook("dial-result", on_error=voice_apology)
@_node_or_safe_route
def ivr_dial_result(hook: Webhook, node: IvrNode) -> twiml.Document:
    return engine.dial_result(hook.started_call, node, hook.params)
