from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from callcenter.http import SignedInRequest
from crm import selectors


@require_GET
@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """Each role's start page: what they may use, and an agent's active cases."""
    my_cases = (
        selectors.case_list(user=request.user, scope="mine", status="active")[:10]
        if request.user.has_perm("crm.view_case")
        else []
    )
    return render(request, "home.html", {"my_cases": my_cases})
