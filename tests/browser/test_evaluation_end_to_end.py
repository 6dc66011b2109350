"""A flagged call through QA in headless Chromium: automated QA flags it, beat's sampling
puts it in the analyst's work queue, the analyst scores it beside the player (a transcript
line seeks the recording), the agent acknowledges and disputes, the supervisor decides."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from qa import tasks
from qa.autoqa import services as autoqa
from qa.models import Evaluation, RecordingMedia, SamplingRule
from tests.browser.conftest import sign_in_on
from tests.browser.test_auto_qa_seek import _wav
from tests.qa.autoqa.conftest import billing, rule, teams  # noqa: F401  (fixtures)
from tests.qa.evaluations.conftest import ended_call, make_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAID = [
    ("agent", 0.5, 3.0, "Thank you for calling."),
    ("agent", 6.5, 9.0, "I guarantee it."),
    ("caller", 9.5, 11.0, "Okay."),
]


def _another(page, live_server):
    """A second person at another browser window (their own cookies)."""
    context = page.context.browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    return context.new_page()


def _answer(page, question: str, label: str) -> None:
    page.locator("fieldset", has_text=question).get_by_label(label, exact=True).check()


def test_a_flagged_call_is_scored_acknowledged_disputed_and_resolved(
    page,
    live_server,
    billing,  # noqa: F811  (the fixture imported above)
    teams,  # noqa: F811
    agent,
    supervisor,
    qa_analyst,
):
    rule("no-guarantee", "forbidden", phrases="guarantee", flag="compliance_miss")
    make_card(queues=[billing])
    call = ended_call(agent, billing, said=SAID)
    recording = call.recordings.get()
    audio = _wav(12)
    media = RecordingMedia(recording=recording, state="stored", size_bytes=len(audio))
    media.file.save("flagged.wav", ContentFile(audio), save=True)
    autoqa.transcript_score(transcript_id=recording.transcript.pk)
    SamplingRule.objects.create(name="Flagged", kind=SamplingRule.Kind.AUTO_QA_FLAGGED)
    assert tasks.evaluation_sampling() == 1  # beat's task

    # The analyst finds it in the work queue and claims it.
    sign_in_on(page, qa_analyst)
    page.goto(reverse("qa:work_queue"))
    row = page.locator(f'#work-queue tr[data-call="{call.pk}"]')
    expect(row).to_contain_text("Flagged by automated QA")
    row.get_by_role("button", name="Claim and score").click()
    expect(page.locator("#scorecard-form")).to_be_visible()
    expect(page.locator("#auto-qa-suggestions")).to_contain_text("no-guarantee: missed")

    # The player and the transcript beside the card: a line plays from its moment.
    player = page.locator("#the-call audio")
    player.evaluate(
        """async (audio) => {
            audio.muted = true;
            if (audio.readyState < 1) {
                const once = {once: true};
                await new Promise((ok) => audio.addEventListener("loadedmetadata", ok, once));
            }
        }"""
    )
    page.locator("li.utterance", has_text="I guarantee it.").locator("button.seek").click()
    position = player.evaluate(
        """async (audio) => {
            if (audio.seeking) {
                await new Promise((ok) => audio.addEventListener("seeked", ok, {once: true}));
            }
            return audio.currentTime;
        }"""
    )
    assert position == pytest.approx(6.5, abs=0.5)

    # Submitting with a question open: its error shows, and nothing is saved.
    _answer(page, "Greets and names the company", "No")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("fieldset", has_text="Says the call is recorded")).to_contain_text(
        "Answer this question to submit."
    )
    assert not Evaluation.objects.get().answers.exists()
    _answer(page, "Greets and names the company", "No")
    _answer(page, "Says the call is recorded", "Yes")
    _answer(page, "Solves the problem", "5")
    _answer(page, "Follows the troubleshooting steps", "N/A")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#evaluation-state")).to_have_text("Submitted")
    expect(page.locator("#evaluation-score")).to_have_text("83/100")
    # A comment at the player's moment.
    page.get_by_label("Comment").fill("Promised an outcome here.")
    page.get_by_label("At (m:ss)").fill("0:06")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator("#comments")).to_contain_text("0:06 qa Promised an outcome here.")

    # The agent: told on their desk, acknowledges, disputes the greeting.
    agent_page = sign_in_on(_another(page, live_server), agent)
    agent_page.goto(reverse("qa:evaluations_desk_panel"))
    expect(agent_page.locator("#my-evaluations")).to_contain_text("to acknowledge")
    agent_page.get_by_role("link", name="Support: 83/100").click()
    agent_page.get_by_role("button", name="Acknowledge").click()
    expect(agent_page.locator("#evaluation-state")).to_have_text("Acknowledged")
    agent_page.get_by_label("Question").select_option(label="Greets and names the company")
    agent_page.get_by_label("Reason").fill("I said thank you for calling at 0:00.")
    agent_page.get_by_role("button", name="Dispute").click()
    expect(agent_page.locator("#evaluation-state")).to_have_text("Disputed")

    # The supervisor of the agent's team upholds it: the final score and history change.
    boss = sign_in_on(_another(page, live_server), supervisor)
    boss.goto(reverse("qa:evaluation", args=[Evaluation.objects.get().pk]))
    review = boss.locator("#disputes form.review")
    review.get_by_label("Decision").select_option("uphold")
    review.get_by_label("Corrected answer").select_option(label="Yes")
    review.get_by_label("Note").fill("Heard the greeting.")
    review.get_by_role("button", name="Decide").click()
    expect(boss.locator("#evaluation-state")).to_have_text("Dispute resolved")
    expect(boss.locator("#evaluation-score")).to_have_text("100/100")
    expect(boss.locator("#history")).to_contain_text("upheld: Heard the greeting.")
    evaluation = Evaluation.objects.get()
    assert (evaluation.score, evaluation.final_score) == (pytest.approx(83.33, abs=0.01), 100.0)
