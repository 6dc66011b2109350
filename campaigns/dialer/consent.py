"""Whether the customer behind a lead agreed to be rung by this kind of campaign on this
kind of line (TCPA prior express, or express written, consent), as data: ConsentRule.

Pure reads: the dialer asks `permits` when it claims a lead and again just before it
dials, and the preview desk asks it before it shows a lead.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

from crm.models import Customer

from ..models import Campaign, ConsentRule, Lead, LineType

# The rules every install starts with (47 CFR 64.1200(a)(1)-(2)): telemarketing to a mobile
# or VoIP line needs prior express written consent, informational calls prior express
# consent; fixed lines need none beyond Do-Not-Call. Admin may tighten them.
_WRITTEN_FOR_MOBILES = {"mobile": "written", "voip": "written", "fixed_line": "none"}
_EXPRESS_FOR_MOBILES = {"mobile": "express", "voip": "express", "fixed_line": "none"}
TCPA_RULES: dict[str, dict[str, str]] = {
    "sales": _WRITTEN_FOR_MOBILES,
    "survey": _EXPRESS_FOR_MOBILES,
    "reminder": _EXPRESS_FOR_MOBILES,
    "collections": _EXPRESS_FOR_MOBILES,
}

NumberType = phonenumbers.PhoneNumberType
# What the numbering plan says, as a line type. A number that may be either (every US
# number: the plan does not tell) is a mobile, as is anything else unknown.
LINE_TYPES = {
    NumberType.MOBILE: LineType.MOBILE,
    NumberType.FIXED_LINE_OR_MOBILE: LineType.MOBILE,
    NumberType.FIXED_LINE: LineType.FIXED_LINE,
    NumberType.VOIP: LineType.VOIP,
}


def line_type_of(phone: str) -> str:
    """The line type the numbering plan gives an E.164 number (unknown when it gives none)."""
    kind = phonenumbers.number_type(phonenumbers.parse(phone, None))
    return LINE_TYPES.get(kind, LineType.UNKNOWN)


def required_consent(campaign: Campaign, lead: Lead, rules: Iterable[ConsentRule]) -> str:
    """The consent level the campaign needs to ring the lead's line."""
    line = LineType.MOBILE if lead.line_type == LineType.UNKNOWN else lead.line_type
    for rule in rules:
        if rule.campaign_kind == campaign.kind and rule.line_type == line:
            return rule.required_consent
    return Customer.CallConsent.WRITTEN  # no rule says otherwise: the strictest


def permits(*, lead: Lead, campaign: Campaign, rules: Iterable[ConsentRule]) -> bool:
    """May the campaign ring the lead as far as consent goes? A lead with no customer has
    given none."""
    required = required_consent(campaign, lead, rules)
    if required == Customer.CallConsent.NONE:
        return True
    customer = lead.customer
    return customer is not None and customer.has_call_consent(required)


def consent_rules_seed(rule_model: type[ConsentRule]) -> None:
    """Add the TCPA rules that are missing. `rule_model` is ConsentRule, or its historical
    version in a migration; rules already there (perhaps tightened) are left alone."""
    for kind, lines in TCPA_RULES.items():
        for line_type, required in lines.items():
            rule_model.objects.get_or_create(
                campaign_kind=kind, line_type=line_type, defaults={"required_consent": required}
            )
