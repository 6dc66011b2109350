"""Flow checks: what is wrong with a flow's structure, asked before admins can save it."""

from __future__ import annotations

from ..models import IvrMenuOption, IvrNode


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
