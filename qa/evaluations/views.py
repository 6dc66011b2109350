"""Evaluation pages: the analysts' work queue and call picker, the scoring page (player and
transcript beside the scorecard), an evaluation's page for the agent and the reviewers,
the lists of evaluations and coaching, calibration's comparison."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callcenter.http import SignedInRequest
from callcenter.pages import add_service_errors, submit
from telephony.desk.selectors import desk_agent
from telephony.models import AgentProfile

from .. import selectors as qa_selectors
from ..autoqa import selectors as autoqa
from ..models import Calibration, Evaluation, RuleResult
from . import selectors, services
from .forms import (
    CalibrationForm,
    CallPickForm,
    CallsCoachingForm,
    CoachingForm,
    CommentForm,
    DisputeForm,
    DisputeReviewForm,
    ScorecardForm,
    initial_answers,
)


def _analyst(request: SignedInRequest) -> None:
    if not request.user.has_perm(selectors.SCORE):
        raise PermissionDenied("Only QA analysts score calls.")


def _evaluation(request: SignedInRequest, pk: int) -> Evaluation:
    if not selectors.may_see_evaluations(request.user):
        raise PermissionDenied("Your role sees no evaluations.")
    evaluation = selectors.evaluation_detail(user=request.user, pk=pk)
    if evaluation is None:
        raise Http404("No such evaluation of yours to see.")
    return evaluation


def _back(evaluation: Evaluation) -> HttpResponse:
    return redirect("qa:evaluation", evaluation.pk)


def _work_queue_page(
    request: SignedInRequest, pick: CallPickForm, calls: object, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "qa/evaluations/work_queue.html",
        {
            "items": selectors.work_queue()[:100],
            "claims": selectors.claims_of(user=request.user),
            "drafts": selectors.drafts_of(user=request.user),
            "disputes": selectors.open_disputes_for(user=request.user),
            "pick": pick,
            "calls": calls,
        },
        status=status,
    )


@require_GET
@login_required
def work_queue(request: SignedInRequest) -> HttpResponse:
    """The sampled calls to score, the analyst's claims and drafts, disputes to decide,
    and a picker for any call."""
    _analyst(request)
    pick = CallPickForm(request.GET or None)
    if not pick.is_valid():
        return _work_queue_page(request, pick, [])
    return _work_queue_page(
        request, pick, selectors.calls_to_pick(user=request.user, **pick.cleaned_data)[:50]
    )


def _refused(request: SignedInRequest, error: ValidationError) -> HttpResponse:
    """The work queue again, with why the claim or the pick was refused."""
    pick = CallPickForm()
    add_service_errors(pick, error)
    return _work_queue_page(request, pick, [], status=400)


@require_POST
@login_required
def item_claim(request: SignedInRequest, pk: int) -> HttpResponse:
    """Claim a sampled call and open its scoring page."""
    _analyst(request)
    try:
        item = services.work_item_claim(item_id=pk, analyst=request.user)
        evaluation = services.evaluation_start(call=item.call, analyst=request.user)
    except ValidationError as error:
        return _refused(request, error)
    return _back(evaluation)


@require_POST
@login_required
def item_release(request: SignedInRequest, pk: int) -> HttpResponse:
    _analyst(request)
    services.work_item_release(item_id=pk, analyst=request.user)
    return redirect("qa:work_queue")


@require_POST
@login_required
def evaluation_new(request: SignedInRequest, call_pk: int) -> HttpResponse:
    """Score a call picked from search."""
    _analyst(request)
    call = get_object_or_404(qa_selectors.calls_audible_to(request.user), pk=call_pk)
    try:
        evaluation = services.evaluation_start(call=call, analyst=request.user)
    except ValidationError as error:
        return _refused(request, error)
    return _back(evaluation)


def _suggestions(call_scores: dict, questions: list) -> dict[int, RuleResult]:
    """Automated QA's result for each question that names a rule."""
    results = {
        result.rule.name: result for score in call_scores.values() for result in score.results.all()
    }
    return {q.pk: results[q.auto_qa_rule] for q in questions if q.auto_qa_rule in results}


@require_http_methods(["GET", "POST"])
@login_required
def evaluation_page(request: SignedInRequest, pk: int) -> HttpResponse:
    """A draft: its analyst scores it here (save a draft, or submit). Submitted: the
    score, answers, comments, disputes and history, with what the viewer may do."""
    evaluation = _evaluation(request, pk)
    call = evaluation.call
    questions = selectors.scorecard_questions(scorecard=evaluation.scorecard)
    draft = evaluation.state == Evaluation.State.DRAFT
    scoring = draft and evaluation.analyst_id == request.user.pk
    form = None
    status = 200
    if scoring:
        given = {a.question_id: a.value for a in evaluation.answers.all()}
        form = ScorecardForm(
            request.POST if request.method == "POST" else None,
            questions=questions,
            initial=initial_answers(given),
        )
        if request.method == "POST":
            done = submit(
                form,
                lambda _data: services.evaluation_save(
                    evaluation_id=evaluation.pk,
                    by=request.user,
                    answers=form.answers(),
                    submit="submit" in request.POST,
                ),
            )
            if done:
                return _back(evaluation)
            status = 400
    elif request.method == "POST":
        raise PermissionDenied("Only its analyst scores a draft.")
    call_scores = autoqa.call_scores(call=call) if autoqa.may_see_scores(request.user) else {}
    answers = {a.question_id: a for a in evaluation.answers.all()}
    own = evaluation.agent.user_id == request.user.pk
    return render(
        request,
        "qa/evaluations/evaluation.html",
        {
            "evaluation": evaluation,
            "call": call,
            "recordings": qa_selectors.call_recordings(call=call),
            "auto_qa": list(call_scores.values()),
            "suggestions": _suggestions(call_scores, questions),
            "form": form,
            "rows": [(q, answers.get(q.pk)) for q in questions],
            "comment_form": CommentForm(),
            "dispute_form": DisputeForm(questions=[q for q in questions if q.pk in answers])
            if own and evaluation.state != Evaluation.State.DRAFT
            else None,
            "own": own,
            "reviewable": {
                d.pk: DisputeReviewForm(question=d.answer.question, prefix=f"d{d.pk}")
                for d in selectors.open_disputes_for(user=request.user).filter(
                    evaluation=evaluation
                )
            },
            "may_coach": request.user.has_perm(selectors.COACH) and not own,
        },
        status=status,
    )


@require_POST
@login_required
def evaluation_comment(request: SignedInRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    form = CommentForm(request.POST)
    if not submit(
        form,
        lambda data: services.evaluation_comment_add(
            evaluation=evaluation, by=request.user, text=data["text"], at_ms=form.at_ms()
        ),
    ):
        return HttpResponse(form.errors.as_ul(), status=400)
    return _back(evaluation)


@require_POST
@login_required
def evaluation_acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    services.evaluation_acknowledge(evaluation=evaluation, by=request.user)
    return _back(evaluation)


@require_POST
@login_required
def evaluation_dispute(request: SignedInRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    questions = selectors.scorecard_questions(scorecard=evaluation.scorecard)
    form = DisputeForm(request.POST, questions=questions)
    if not submit(
        form,
        lambda data: services.dispute_raise(
            evaluation=evaluation,
            by=request.user,
            question_id=data["question"],
            reason=data["reason"],
        ),
    ):
        return HttpResponse(form.errors.as_ul(), status=400)
    return _back(evaluation)


@require_POST
@login_required
def dispute_review(request: SignedInRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(
        selectors.open_disputes_for(user=request.user).select_related("answer__question"), pk=pk
    )
    form = DisputeReviewForm(request.POST, question=dispute.answer.question, prefix=f"d{pk}")
    if not submit(
        form,
        lambda data: services.dispute_review(
            dispute_id=dispute.pk,
            by=request.user,
            upheld=data["decision"] == "uphold",
            value=form.corrected(),
            note=data.get("note", ""),
        ),
    ):
        return HttpResponse(form.errors.as_ul(), status=400)
    return _back(dispute.evaluation)


@require_GET
@login_required
def evaluation_list(request: SignedInRequest) -> HttpResponse:
    """Evaluations and coaching the user may see: an agent their own, a supervisor their
    teams', analysts and managers all."""
    if not selectors.may_see_evaluations(request.user):
        raise PermissionDenied("Your role sees no evaluations.")
    return render(
        request,
        "qa/evaluations/list.html",
        {
            "evaluations": selectors.evaluations_visible_to(request.user)
            .exclude(state=Evaluation.State.DRAFT)
            .select_related("agent__user", "scorecard", "call")[:200],
            "sessions": selectors.coaching_visible_to(request.user)[:100],
        },
    )


@require_GET
@login_required
def evaluations_desk_panel(request: SignedInRequest) -> HttpResponse:
    """The agent's desk: evaluations to acknowledge and open coaching sessions, live."""
    agent = desk_agent(user=request.user)
    return render(
        request,
        "qa/evaluations/_desk_panel.html",
        {
            "evaluations": selectors.evaluations_visible_to(request.user)
            .filter(agent=agent, acknowledged_at__isnull=True)
            .select_related("scorecard"),
            "sessions": selectors.coaching_visible_to(request.user).filter(
                agent=agent, agent_confirmed_at__isnull=True
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def coaching_new(request: SignedInRequest, pk: int) -> HttpResponse:
    """Open a coaching session from an evaluation."""
    evaluation = _evaluation(request, pk)
    form = CoachingForm(request.POST or None)
    if request.method == "POST" and submit(
        form,
        lambda data: services.coaching_open(
            agent=evaluation.agent, coach=request.user, evaluation=evaluation, **data
        ),
    ):
        return redirect("qa:evaluation_list")
    return render(
        request,
        "qa/evaluations/coaching_form.html",
        {"agent": evaluation.agent, "evaluation": evaluation, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def coaching_on_calls(request: SignedInRequest, agent_pk: int) -> HttpResponse:
    """Open a coaching session on a set of an agent's calls."""
    agent = get_object_or_404(AgentProfile.objects.select_related("user"), pk=agent_pk)
    calls = selectors.calls_to_pick(user=request.user, agent=agent)[:50]
    form = CallsCoachingForm(
        request.POST or None,
        calls=selectors.calls_to_pick(user=request.user, agent=agent).filter(
            pk__in=[call.pk for call in calls]
        ),
    )
    if request.method == "POST" and submit(
        form, lambda data: services.coaching_open(agent=agent, coach=request.user, **data)
    ):
        return redirect("qa:evaluation_list")
    return render(
        request,
        "qa/evaluations/coaching_form.html",
        {"agent": agent, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def coaching_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.coaching_visible_to(request.user), pk=pk)
    services.coaching_confirm(session_id=session.pk, by=request.user)
    return redirect("qa:evaluation_list")


@require_http_methods(["GET", "POST"])
@login_required
def calibration_new(request: SignedInRequest, call_pk: int) -> HttpResponse:
    """Ask several analysts to score a call blind."""
    _analyst(request)
    call = get_object_or_404(qa_selectors.calls_audible_to(request.user), pk=call_pk)
    form = CalibrationForm(request.POST or None)
    done = request.method == "POST" and submit(
        form,
        lambda data: services.calibration_open(
            call=call, analysts=data["analysts"], by=request.user
        ),
    )
    if done:
        return redirect("qa:calibration", done.result.pk)
    return render(
        request,
        "qa/evaluations/calibration_form.html",
        {"call": call, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def calibration_page(request: SignedInRequest, pk: int) -> HttpResponse:
    """Blind until the viewer submitted their own scoring: then each analyst's answers
    side by side, and the spread per question."""
    _analyst(request)
    calibration = get_object_or_404(Calibration.objects.select_related("call"), pk=pk)
    mine = calibration.evaluations.filter(analyst=request.user).first()
    # Blind for its analysts until they submit; one who only looks on (its opener, a
    # manager) sees it at once.
    sees = (
        mine.state != Evaluation.State.DRAFT
        if mine is not None
        else (
            calibration.opened_by_id == request.user.pk
            or request.user.has_perm("qa.change_scorecard")
        )
    )
    return render(
        request,
        "qa/evaluations/calibration.html",
        {
            "calibration": calibration,
            "mine": mine,
            "comparison": selectors.calibration_comparison(calibration=calibration)
            if sees
            else None,
        },
    )
