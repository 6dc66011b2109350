"""Agent pages of the CRM. Each view parses input, calls one service or selector, renders.

HTMX requests get the named partial of the same template the full page uses.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callcenter.http import SignedInRequest
from callcenter.pages import render_page, submit

from . import selectors, services
from .forms import (
    CaseAssignForm,
    CaseFilterForm,
    CaseForm,
    CaseTransitionForm,
    CustomerCreateForm,
    CustomerForm,
    NoteForm,
    PhoneNumberForm,
)
from .models import Case, Customer
from .timeline import attach_players

# --- Customers -------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_search(request: SignedInRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    customers = selectors.customer_search(query=query)
    return render_page(
        request,
        "crm/customer_search.html",
        {"query": query, "customers": customers},
        partial="results",
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.add_customer", raise_exception=True)
def customer_create(request: SignedInRequest) -> HttpResponse:
    form = CustomerCreateForm(
        request.POST or None, initial={"phone_number": request.GET.get("phone", "")}
    )

    def create(data: dict[str, Any]) -> Customer:
        phone, label = data.pop("phone_number"), data.pop("phone_label") or "mobile"
        numbers = [{"number": phone, "label": label}] if phone else []
        return services.customer_create(phone_numbers=numbers, **data)

    if request.method == "POST" and (created := submit(form, create)):
        return redirect(created.result)
    return render(request, "crm/customer_form.html", {"form": form})


def _customer_context(request: SignedInRequest, customer: Customer, **extra: object) -> dict:
    return {
        "customer": customer,
        "phones": customer.phone_numbers.all(),
        "emails": customer.email_addresses.all(),
        "open_cases": selectors.customer_open_cases(customer=customer),
        "timeline": attach_players(
            user=request.user, entries=selectors.customer_timeline(customer=customer)
        ),
        "note_form": NoteForm(),
        "phone_form": PhoneNumberForm(),
        **extra,
    }


@require_GET
@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return render(request, "crm/customer_detail.html", _customer_context(request, customer))


@require_GET
@login_required
@permission_required("crm.view_interaction", raise_exception=True)
def customer_timeline(request: SignedInRequest, pk: int) -> HttpResponse:
    """The timeline alone: what the page re-fetches when it hears of a change."""
    customer = get_object_or_404(Customer, pk=pk)
    return render(
        request,
        "crm/customer_detail.html#timeline",
        {
            "customer": customer,
            "timeline": attach_players(
                user=request.user, entries=selectors.customer_timeline(customer=customer)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.change_customer", raise_exception=True)
def customer_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    # The form validates a copy; the service writes the fields it cleaned.
    form = CustomerForm(request.POST or None, instance=Customer.objects.get(pk=pk))

    def update(data: dict[str, Any]) -> Customer:
        fields = {name: data[name] for name in CustomerForm.Meta.fields}
        return services.customer_update(customer=customer, **fields)

    if request.method == "POST" and submit(form, update):
        return redirect(customer)
    return render(request, "crm/customer_form.html", {"form": form, "customer": customer})


@require_POST
@login_required
@permission_required("crm.add_phonenumber", raise_exception=True)
def phone_number_add(request: SignedInRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = PhoneNumberForm(request.POST)
    if submit(form, lambda data: services.phone_number_add(customer=customer, **data)):
        form = PhoneNumberForm()
    context = _customer_context(request, customer, phone_form=form)
    return render_page(request, "crm/customer_detail.html", context, partial="contact-points")


@require_POST
@login_required
@permission_required("crm.add_interaction", raise_exception=True)
def note_add(request: SignedInRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = NoteForm(request.POST)
    if submit(
        form,
        lambda data: services.note_add(customer=customer, author=request.user, body=data["body"]),
    ):
        form = NoteForm()
    context = _customer_context(request, customer, note_form=form)
    return render_page(request, "crm/customer_detail.html", context, partial="timeline-section")


# --- Cases -----------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("crm.view_case", raise_exception=True)
def case_list(request: SignedInRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET)
    filters = form.filters()
    cases = selectors.case_list(user=request.user, **filters)[:200]
    return render_page(
        request,
        "crm/case_list.html",
        {"form": form, "cases": cases, **filters},
        partial="case-table",
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.add_case", raise_exception=True)
def case_create(request: SignedInRequest, customer_pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = CaseForm(request.POST or None)

    def create(data: dict[str, Any]) -> Case:
        return services.case_create(
            customer=customer, actor=request.user, owner=request.user, **data
        )

    if request.method == "POST" and (created := submit(form, create)):
        return redirect(created.result)
    return render(request, "crm/case_form.html", {"form": form, "customer": customer})


def _case_context(case: Case, **extra: object) -> dict:
    return {
        "case": case,
        "assign_form": CaseAssignForm(initial={"owner": case.owner_id}),
        "events": case.events.select_related("actor"),
        "transition_form": CaseTransitionForm(case=case),
        "edit_form": CaseForm(instance=case),
        **extra,
    }


def _case_panel(request: SignedInRequest, case: Case, **forms: Any) -> HttpResponse:
    return render_page(
        request, "crm/case_detail.html", _case_context(case, **forms), partial="case-panel"
    )


@require_GET
@login_required
@permission_required("crm.view_case", raise_exception=True)
def case_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case.objects.select_related("customer", "owner"), pk=pk)
    return render(request, "crm/case_detail.html", _case_context(case))


@require_POST
@login_required
@permission_required("crm.change_case", raise_exception=True)
def case_transition(request: SignedInRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=pk)
    form = CaseTransitionForm(request.POST, case=case)
    moved = submit(
        form, lambda data: services.case_transition(case=case, actor=request.user, **data)
    )
    if moved:
        case, form = moved.result, CaseTransitionForm(case=moved.result)
    return _case_panel(request, case, transition_form=form)


@require_POST
@login_required
@permission_required("crm.change_case", raise_exception=True)
def case_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=pk)
    form = CaseForm(request.POST, instance=Case.objects.get(pk=pk))
    fields = CaseForm.Meta.fields
    edited = submit(
        form,
        lambda data: services.case_update(
            case=case, actor=request.user, **{name: data[name] for name in fields}
        ),
    )
    if edited:
        case, form = edited.result, CaseForm(instance=edited.result)
    return _case_panel(request, case, edit_form=form)


@require_POST
@login_required
@permission_required("crm.change_case", raise_exception=True)
def case_assign(request: SignedInRequest, pk: int) -> HttpResponse:
    """Give the case to the posted owner (blank: nobody); the service checks who may."""
    case = get_object_or_404(Case, pk=pk)
    form = CaseAssignForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text())
    case = services.case_assign(case=case, actor=request.user, owner=form.cleaned_data["owner"])
    return _case_panel(request, case)
