"""Admins cannot save an IVR flow that traps callers or points outside itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from telephony.ivr.checks import flow_problems
from telephony.models import IvrFlow, IvrMenuOption, IvrNode, Queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow():
    return IvrFlow.objects.create(name="Test")


def _node(flow, key, kind, **fields):
    return IvrNode.objects.create(flow=flow, key=key, kind=kind, **fields)


def test_the_demo_flow_is_sound(support_line):
    assert flow_problems(support_line.flow_id) == []


def test_a_loop_of_messages_with_no_exit_is_refused(flow):
    first = _node(flow, "first", "say", message="One")
    second = _node(flow, "second", "say", message="Two", next_node=first)
    first.next_node = second
    first.save()
    problems = flow_problems(flow.pk)
    assert "From “first” callers go round in a loop with no way out." in problems
    assert "From “second” callers go round in a loop with no way out." in problems


def test_a_menu_with_a_way_out_may_loop_back_to_itself(flow):
    hangup = _node(flow, "bye", "hangup", message="Bye")
    menu = _node(flow, "menu", "menu", message="1 repeat, 2 leave", default_node=hangup)
    IvrMenuOption.objects.create(node=menu, digit="1", label="Repeat", target=menu)
    IvrMenuOption.objects.create(node=menu, digit="2", label="Leave", target=hangup)
    assert flow_problems(flow.pk) == []


def test_an_hours_branch_needs_both_ways_out(flow):
    queue = _node(flow, "queue", "queue", queue=Queue.objects.create(name="Q"))
    trap = _node(flow, "trap", "say", message="closed")
    trap.next_node = trap
    trap.save()
    _node(flow, "hours", "hours", next_node=queue, closed_node=trap)
    problems = flow_problems(flow.pk)
    assert any("“hours”" in p for p in problems)


def test_an_unsaved_edit_is_checked_before_it_is_saved(flow):
    a = _node(flow, "a", "say", message="A")
    b = _node(flow, "b", "say", message="B", next_node=a)
    assert flow_problems(flow.pk) == []
    a.next_node = b  # would close a loop
    assert any("loop" in p for p in flow_problems(flow.pk, edited=a))


def test_a_reference_to_another_flow_is_refused(flow):
    other = IvrFlow.objects.create(name="Other")
    elsewhere = _node(other, "elsewhere", "hangup")
    _node(flow, "a", "say", message="A", next_node=elsewhere)
    assert "“a” leads to a node outside this flow." in flow_problems(flow.pk)


def test_a_menu_without_choices_is_refused(flow):
    _node(flow, "menu", "menu", message="Choose")
    assert "Menu “menu” has no choices." in flow_problems(flow.pk)


def test_entry_node_must_be_in_the_flow(flow):
    other = IvrFlow.objects.create(name="Other")
    elsewhere = _node(other, "elsewhere", "hangup")
    assert "The entry node must belong to this flow." in flow_problems(
        flow.pk, entry_node_id=elsewhere.pk
    )


class TestAdmin:
    def _node_form(self, node: IvrNode, options: list[tuple[str, IvrNode]], **changes) -> dict:
        data = {
            "flow": node.flow_id,
            "key": node.key,
            "kind": node.kind,
            "message": node.message,
            "play_url": "",
            "voice": "",
            "language": "",
            "next_node": node.next_node_id or "",
            "default_node": node.default_node_id or "",
            "closed_node": node.closed_node_id or "",
            "timeout": 5,
            "max_attempts": 3,
            "invalid_message": "Sorry.",
            "no_input_message": "Sorry.",
            "business_hours": "",
            "queue": node.queue_id or "",
            "transfer_to": "",
            "max_recording_seconds": 120,
            "case_category": "other",
            "options-TOTAL_FORMS": str(len(options)),
            "options-INITIAL_FORMS": "0",
            "options-MIN_NUM_FORMS": "0",
            "options-MAX_NUM_FORMS": "1000",
        }
        for i, (digit, target) in enumerate(options):
            data |= {
                f"options-{i}-digit": digit,
                f"options-{i}-label": f"Option {digit}",
                f"options-{i}-keywords": "",
                f"options-{i}-target": target.pk,
            }
        return data | changes

    def test_admin_refuses_an_edit_that_closes_a_loop(self, client_as, manager, flow):
        a = _node(flow, "a", "say", message="A")
        b = _node(flow, "b", "say", message="B", next_node=a)
        url = reverse("admin:telephony_ivrnode_change", args=[a.pk])
        response = client_as(manager).post(url, self._node_form(a, [], next_node=b.pk))
        assert response.status_code == 200
        assert "loop with no way out" in response.content.decode()
        a.refresh_from_db()
        assert a.next_node is None

    def test_admin_refuses_a_target_in_another_flow(self, client_as, manager, flow):
        other = IvrFlow.objects.create(name="Other")
        elsewhere = _node(other, "elsewhere", "hangup")
        a = _node(flow, "a", "say", message="A")
        url = reverse("admin:telephony_ivrnode_change", args=[a.pk])
        response = client_as(manager).post(url, self._node_form(a, [], next_node=elsewhere.pk))
        assert "Choose a node of the same flow." in response.content.decode()

    def test_admin_saves_a_sound_menu(self, client_as, manager, flow):
        bye = _node(flow, "bye", "hangup")
        menu = _node(flow, "menu", "menu", message="Press 1")
        url = reverse("admin:telephony_ivrnode_change", args=[menu.pk])
        response = client_as(manager).post(url, self._node_form(menu, [("1", bye)]))
        assert response.status_code == 302, response.content.decode()[:3000]
        assert menu.options.get().target == bye

    def test_admin_requires_what_each_kind_needs(self, client_as, manager, flow):
        node = IvrNode(flow=flow, key="q", kind="queue")
        response = client_as(manager).post(
            reverse("admin:telephony_ivrnode_add"), self._node_form(node, [])
        )
        assert "needs this" in response.content.decode()
        assert not IvrNode.objects.exists()

    def test_flow_entry_node_is_checked(self, client_as, manager, flow):
        a = _node(flow, "a", "say", message="A")
        a.next_node = a
        a.save()
        response = client_as(manager).post(
            reverse("admin:telephony_ivrflow_change", args=[flow.pk]),
            {
                "name": "Test",
                "description": "",
                "entry_node": a.pk,
                "nodes-TOTAL_FORMS": "1",
                "nodes-INITIAL_FORMS": "1",
                "nodes-MIN_NUM_FORMS": "0",
                "nodes-MAX_NUM_FORMS": "1000",
                "nodes-0-id": a.pk,
                "nodes-0-flow": flow.pk,
            },
        )
        assert "loop with no way out" in response.content.decode()

    @pytest.mark.parametrize(
        "model",
        [
            "call",
            "callevent",
            "agentprofile",
            "queueentry",
            "agentstatechange",
            "skill",
            "team",
            "disposition",
            "recording",
            "smsmessage",
            "inboundnumber",
            "ivrflow",
            "ivrnode",
            "queue",
            "businesshours",
        ],
    )
    def test_manager_opens_telephony_admin_pages(self, client_as, manager, support_line, model):
        response = client_as(manager).get(reverse(f"admin:telephony_{model}_changelist"))
        assert response.status_code == 200
