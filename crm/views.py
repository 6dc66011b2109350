"""Agent pages of the CRM. Each view parses input, calls one service or selector, renders.

HTMX requests get the named partial of the same template the full page uses.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callcenter.http import SignedInRequest

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
    add_service_errors,
)
from .models import Case, Customer


def _render(request: SignedInRequest, template: str, partial: str, context: dict) -> HttpResponse:
    """The whole page, or only `partial` of it for an HTMX request."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context)


# --- Customers -------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_search(request: SignedInRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    customers = selectors.customer_search(query=query)
    return _render(
        request,
        "crm/customer_search.html",
        "results",
        {"query": query, "customers": customers},
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.add_customer", raise_exception=True)
def customer_create(request: SignedInRequest) -> HttpResponse:
    form = CustomerCreateForm(
        request.POST or None, initial={"phone_number": request.GET.get("phone", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phone = data.pop("phone_number")
        label = data.pop("phone_label") or "mobile"
        try:
            customer = services.customer_create(
                phone_numbers=[{"number": phone, "label": label}] if phone else [], **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(customer)
    return render(request, "crm/customer_form.html", {"form": form})


def _customer_context(request: SignedInRequest, customer: Customer, **extra: object) -> dict:
    return {
        "customer": customer,
        "phones": customer.phone_numbers.all(),
        "emails": customer.email_addresses.all(),
        "open_cases": selectors.customer_open_cases(customer=customer),
        "timeline": selectors.customer_timeline(customer=customer),
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
        {"customer": customer, "timeline": selectors.customer_timeline(customer=customer)},
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.change_customer", raise_exception=True)
def customer_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    # The form validates a copy; the service writes the fields it cleaned.
    form = CustomerForm(request.POST or None, instance=Customer.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.customer_update(customer=customer, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(customer)
    return render(request, "crm/customer_form.html", {"form": form, "customer": customer})


@require_POST
@login_required
@permission_required("crm.add_phonenumber", raise_exception=True)
def phone_number_add(request: SignedInRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = PhoneNumberForm(request.POST)
    if form.is_valid():
        try:
            services.phone_number_add(customer=customer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = PhoneNumberForm()
    context = _customer_context(request, customer, phone_form=form)
    return _render(request, "crm/customer_detail.html", "contact-points", context)


@require_POST
@login_required
@permission_required("crm.add_interaction", raise_exception=True)
def note_add(request: SignedInRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(
                customer=customer, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = NoteForm()
    context = _customer_context(request, customer, note_form=form)
    return _render(request, "crm/customer_detail.html", "timeline-section", context)


# --- Cases -----------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("crm.view_case", raise_exception=True)
def case_list(request: SignedInRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET)
    filters = form.filters()
    cases = selectors.case_list(user=request.user, **filters)[:200]
    return _render(
        request, "crm/case_list.html", "case-table", {"form": form, "cases": cases, **filters}
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.add_case", raise_exception=True)
def case_create(request: SignedInRequest, customer_pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(
                customer=customer, actor=request.user, owner=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(case)
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
    if form.is_valid():
        try:
            case = services.case_transition(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = CaseTransitionForm(case=case)
    return _render(
        request, "crm/case_detail.html", "case-panel", _case_context(case, transition_form=form)
    )


@require_POST
@login_required
@permission_required("crm.change_case", raise_exception=True)
def case_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=pk)
    form = CaseForm(request.POST, instance=Case.objects.get(pk=pk))
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in CaseForm.Meta.fields}
        try:
            case = services.case_update(case=case, actor=request.user, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = CaseForm(instance=case)
    return _render(
        request, "crm/case_detail.html", "case-panel", _case_context(case, edit_form=form)
    )


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
    return _render(request, "crm/case_detail.html", "case-panel", _case_context(case))
