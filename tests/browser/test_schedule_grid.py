"""A supervisor edits a draft schedule in a real browser by dragging shifts on the day's
grid: a shift dragged to a later start (the coverage row follows), one dropped on a
colleague's to swap them, and a drag outside the template's window refused with the
server's message, the shift left where it was."""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import expect

from tests.workforce.conftest import draft  # noqa: F401
from workforce import selectors
from workforce.models import Shift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _grid_span(page) -> tuple[int, int]:
    grid = page.locator("#shift-grid")
    return int(grid.get_attribute("data-first-slot")), int(grid.get_attribute("data-slots"))


def _coverage_cell(page, queue_pk: int, at: time):
    """The coverage row's cell (on the phones / required) for the quarter hour `at`."""
    first, _slots = _grid_span(page)
    slot = at.hour * 4 + at.minute // 15
    return page.locator(f"#coverage-row-{queue_pk} .cells span").nth(slot - first)


def _drag_to_start(page, shift_pk: int, lane_agent_pk: int, start: time) -> None:
    """Grab the shift by its left edge and drop it on a lane where `start` is."""
    first, slots = _grid_span(page)
    lane = page.locator(f'#shift-grid .lane[data-agent="{lane_agent_pk}"]')
    width = lane.bounding_box()["width"]
    x = width * (start.hour * 4 + start.minute // 15 - first) / slots
    page.locator(f"#shift-{shift_pk}").drag_to(
        lane, source_position={"x": 3, "y": 8}, target_position={"x": x + 3, "y": 8}
    )


def test_supervisor_drags_swaps_and_is_refused_on_the_grid(draft, supervisor, sign_in, page):  # noqa: F811
    schedule, people, shifts = draft
    ann_mon, ben_mon = shifts["ann_mon"].pk, shifts["ben_mon"].pk
    queue_pk = shifts["ben_mon"].queue_id
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    sign_in(supervisor)
    page.goto(f"/workforce/schedules/?schedule={schedule.pk}")
    expect(page.locator(f"#shift-{ben_mon}")).to_have_attribute("data-start", "08:00")
    expect(_coverage_cell(page, queue_pk, time(8))).to_have_text(re.compile(r"^2/\d+$"))
    expect(_coverage_cell(page, queue_pk, time(17))).to_have_text(re.compile(r"^0/\d+$"))

    # Ben's shift dragged two hours later along his own lane: 10:00-18:00.
    _drag_to_start(page, ben_mon, people["ben"].pk, time(10))
    expect(page.locator("#edit-done")).to_be_visible()
    expect(page.locator(f"#shift-{ben_mon}")).to_have_attribute("data-start", "10:00")
    expect(_coverage_cell(page, queue_pk, time(17))).to_have_text(re.compile(r"^1/\d+$"))
    expect(_coverage_cell(page, queue_pk, time(8))).to_have_text(re.compile(r"^1/\d+$"))
    moved = Shift.objects.get(pk=ben_mon)
    assert moved.start == selectors.slot_start(schedule.week_start, 40, selectors.center_zone())

    # Ann's shift dropped on Ben's: they swap, each lane holds the other's shift.
    page.locator(f"#shift-{ann_mon}").drag_to(page.locator(f"#shift-{ben_mon}"))
    expect(page.locator(f'.lane[data-agent="{people["ann"].pk}"] #shift-{ben_mon}')).to_be_visible()
    expect(page.locator(f'.lane[data-agent="{people["ben"].pk}"] #shift-{ann_mon}')).to_be_visible()
    assert Shift.objects.get(pk=ben_mon).agent_id == people["ann"].pk
    assert Shift.objects.get(pk=ann_mon).agent_id == people["ben"].pk

    # Past the template's latest start (10:00): refused, the message inline, nothing moved.
    before = Shift.objects.get(pk=ann_mon).start
    _drag_to_start(page, ann_mon, people["ben"].pk, time(11))
    expect(page.locator("#edit-errors")).to_contain_text(
        "Day starts on a quarter hour between 08:00 and 10:00"
    )
    expect(page.locator(f"#shift-{ann_mon}")).to_have_attribute("data-start", "08:00")
    expect(page.locator(f"#shift-{ann_mon}")).to_have_class("shift refused")
    expect(_coverage_cell(page, queue_pk, time(17))).to_have_text(re.compile(r"^1/\d+$"))
    assert Shift.objects.get(pk=ann_mon).start == before
    assert errors == []


def test_the_keyboard_picks_a_shift_into_the_move_form(draft, supervisor, sign_in, page):  # noqa: F811
    schedule, _people, shifts = draft
    ben_mon = shifts["ben_mon"].pk
    sign_in(supervisor)
    page.goto(f"/workforce/schedules/?schedule={schedule.pk}")
    page.locator(f"#shift-{ben_mon}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Shift #").first).to_have_value(str(ben_mon))
    page.locator("#move-start").fill("09:30")
    page.locator("#move-form").get_by_role("button", name="Move").click()
    expect(page.locator(f"#shift-{ben_mon}")).to_have_attribute("data-start", "09:30")
    expect(page.locator("#edit-done")).to_be_visible()


def test_a_published_schedule_has_nothing_to_drag(draft, manager, sign_in, page):  # noqa: F811
    schedule, _people, shifts = draft
    schedule.status = "published"
    schedule.save()
    sign_in(manager)
    page.goto(f"/workforce/schedules/?schedule={schedule.pk}")
    expect(page.locator(f"#shift-{shifts['ben_mon'].pk}")).to_be_visible()
    expect(page.locator("#shift-grid .shift[draggable=true]")).to_have_count(0)
    expect(page.locator("#move-form")).to_have_count(0)
