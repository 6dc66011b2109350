"""Report figures, read from the interval facts: the same functions serve the pages, the
API and the exports, so they never disagree.

Each KPI's definition (DOMAIN §5) is in KPI_DEFINITIONS and is shown beside its figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from psycopg import pq

from callcenter.rounding import ratio, ratio_sql, shown, shown_sql
from telephony.acd.selectors import agents_supervised_by, queues_supervised_by
from telephony.models import AgentProfile, InboundNumber, Queue, QueueEntry, Team

from . import counting
from .models import AgentInterval, LineInterval, QueueInterval
from .periods import center_zone, period_of

Row = dict[str, Any]


@dataclass(frozen=True)
class Figure:
    label: str
    definition: str
    unit: str = ""  # "%", "s" or "" (a count)


KPI_DEFINITIONS: dict[str, Figure] = {
    "offered": Figure("Offered", "Calls that entered the queue; a callback request counts once."),
    "answered": Figure("Answered", "Offered calls an agent answered."),
    "abandoned": Figure(
        "Abandoned",
        "Callers who hung up while waiting, after the short-abandon threshold.",
    ),
    "short_abandoned": Figure(
        "Short abandons",
        "Callers who left within the short-abandon threshold; left out of service level "
        "and abandonment.",
    ),
    "service_level": Figure(
        "Service level",
        "Answered within the queue's threshold ÷ (offered - short abandons).",
        "%",
    ),
    "abandonment_rate": Figure(
        "Abandonment", "Abandoned (after the short threshold) ÷ (offered - short abandons).", "%"
    ),
    "asa": Figure("ASA", "Average speed of answer: Σ(answer - enqueue) ÷ answered.", "s"),
    "average_wait": Figure(
        "Average wait", "Σ wait until answered or gone ÷ calls that stopped waiting.", "s"
    ),
    "longest_wait": Figure("Longest wait", "The longest a caller waited.", "s"),
    "average_abandon_time": Figure(
        "Average abandon time", "Σ wait of abandoned calls ÷ abandoned.", "s"
    ),
    "handled": Figure("Handled", "Answered calls whose conversation is over."),
    "aht": Figure("AHT", "Average handle time: Σ(talk + hold + wrap-up) ÷ handled.", "s"),
    "average_talk": Figure("Talk", "Σ talk (without hold) ÷ handled.", "s"),
    "average_hold": Figure("Hold", "Σ hold ÷ handled.", "s"),
    "average_wrap_up": Figure("Wrap-up", "Σ wrap-up ÷ handled.", "s"),
    "transfers": Figure(
        "Transfers",
        "Conversations handed to a colleague or another queue, each counted once.",
    ),
    "callbacks_requested": Figure(
        "Callbacks requested", "Callback requests (press 1 while waiting, or set at wrap-up)."
    ),
    "callbacks_completed": Figure("Callbacks completed", "Callback requests an agent answered."),
    "voicemails": Figure("Voicemails", "Callers sent to voicemail after the queue's maximum wait."),
    "logged_in": Figure("Logged in", "Time in any state but offline.", "s"),
    "available": Figure("Available", "Time available and idle.", "s"),
    "ringing": Figure("Ringing", "Time being offered a call.", "s"),
    "on_call": Figure("On call", "Time in conversations (talk and hold).", "s"),
    "wrap_up_time": Figure("Wrap-up time", "Time in after-call work.", "s"),
    "not_ready": Figure("Not ready", "Time not ready, for any reason.", "s"),
    **{
        f"not_ready_{reason}": Figure(
            f"Not ready: {label.lower()}", f"Time not ready: {label.lower()}.", "s"
        )
        for reason, label in AgentProfile.Reason.choices
    },
    "occupancy": Figure(
        "Occupancy",
        "(talk + hold + wrap-up) ÷ (talk + hold + wrap-up + available idle), in state time.",
        "%",
    ),
    "utilization": Figure("Utilization", "Handle time (on call + wrap-up) ÷ logged-in time.", "%"),
    "missed_offers": Figure("Missed offers", "Offers that rang out or were rejected."),
    "dialed": Figure("Dialed", "Attempts placed."),
    "live_answers": Figure("Live answers", "Attempts a person answered (not a machine or fax)."),
    "contact_rate": Figure("Contact rate", "Live answers ÷ dialed.", "%"),
    "abandoned_calls": Figure(
        "Abandoned", "Live answers no agent took within 2 s (they hear the safe-harbor message)."
    ),
    "abandonment_day": Figure(
        "Abandonment (period)", "Abandoned ÷ live answers, this period.", "%"
    ),
    "abandonment_30d": Figure(
        "Abandonment (30 days)",
        "Abandoned ÷ live answers over the 30 days to the period's end (the legal figure).",
        "%",
    ),
    "conversions": Figure("Conversions", "Attempts whose disposition counts as a conversion."),
    "conversion_rate": Figure("Conversion rate", "Conversions ÷ live answers.", "%"),
    "attempts_per_lead": Figure("Attempts per lead", "Dialed ÷ leads dialed in the period."),
    "leads_left": Figure("Leads left", "Leads still to call, today (no history is kept)."),
    "abandonment_target": Figure(
        "Target", "The campaign's abandonment ceiling (3% at most, by law).", "%"
    ),
    "abandonment_ok": Figure("Within target", "The 30-day abandonment is at or under target."),
    "outside_hours": Figure(
        "Outside permitted hours",
        "Attempts placed when the lead's calling window was closed (must be zero).",
    ),
    "dnc_blocks": Figure("Do-Not-Call blocks", "Attempts stopped because the number is on a list."),
    "hours_blocks": Figure(
        "Calling-hours blocks", "Attempts stopped at dial time by the calling window."
    ),
    "agent_cost": Figure("Agent cost", "Logged-in hours x the team's hourly cost."),
    "telephony_cost": Figure(
        "Telephony cost", "Started minutes of the calls handled x the price of their direction."
    ),
    "contacts": Figure("Contacts", "Calls the team's agents handled."),
    "cost_per_contact": Figure(
        "Cost per contact", "(agent cost + telephony cost) ÷ contacts handled."
    ),
    "safe_harbor_played": Figure(
        "Safe-harbor messages", "Abandoned live answers, each of which heard the message."
    ),
    # First-contact resolution and CSAT (reports.quality, from qa's data).
    "fcr_contacts": Figure(
        "FCR contacts", "Conversations with a known customer that ended in the period."
    ),
    "fcr_resolved": Figure(
        "Resolved first time",
        "No contact of the same customer within the FCR window after it (or, while the "
        "window is open, a disposition that resolves and nothing since).",
    ),
    "fcr_repeated": Figure(
        "Repeat contacts",
        "The customer contacted us again (call in, answered call out, text) within the window.",
    ),
    "fcr_pending": Figure(
        "FCR pending", "Window still open and no resolving disposition: not counted yet."
    ),
    "fcr": Figure("FCR", "Resolved first time ÷ (resolved + repeat contacts).", "%"),
    "survey_answers": Figure(
        "Survey answers", "Answers to the post-call survey's satisfaction question."
    ),
    "csat_satisfied": Figure("Satisfied", "Survey answers of 4 or 5 (1-5 scale)."),
    "csat": Figure("CSAT", "Survey answers of 4 or 5 ÷ survey answers.", "%"),
}

QUEUE_FIGURES = [
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "service_level",
    "abandonment_rate",
    "asa",
    "average_wait",
    "longest_wait",
    "average_abandon_time",
    *(_HANDLING := ["handled", "aht", "average_talk", "average_hold", "average_wrap_up"]),
    "transfers",
    "callbacks_requested",
    "callbacks_completed",
    "voicemails",
]
AGENT_FIGURES = [
    "logged_in",
    "available",
    "ringing",
    "on_call",
    "wrap_up_time",
    "not_ready",
    *(f"not_ready_{reason}" for reason in AgentProfile.Reason.values),
    "occupancy",
    "utilization",
    *_HANDLING,
    "transfers",
    "missed_offers",
]

_QUEUE_SUMS = [
    "offered",
    "answered",
    "answered_in_threshold",
    "abandoned",
    "short_abandoned",
    "answer_wait_seconds",
    "wait_seconds",
    "waits",
    "abandon_wait_seconds",
    "handled",
    "talk_seconds",
    "hold_seconds",
    "wrap_up_seconds",
    "transfers",
    "callbacks_requested",
    "callbacks_completed",
    "voicemails",
]
_AGENT_SUMS = [
    "available_seconds",
    "ringing_seconds",
    "on_call_seconds",
    "wrap_up_state_seconds",
    "not_ready_seconds",
    *(f"{reason}_seconds" for reason in AgentProfile.Reason.values),
    "handled",
    "talk_seconds",
    "hold_seconds",
    "wrap_up_seconds",
    "transfers",
    "missed_offers",
]


def _handling_figures(sums: Row) -> Row:
    handled = sums["handled"]
    talk, hold, wrap = sums["talk_seconds"], sums["hold_seconds"], sums["wrap_up_seconds"]
    return {
        "handled": handled,
        "aht": ratio(talk + hold + wrap, handled),
        "average_talk": ratio(talk, handled),
        "average_hold": ratio(hold, handled),
        "average_wrap_up": ratio(wrap, handled),
        "transfers": sums["transfers"],
    }


@dataclass(frozen=True)
class Ratio:
    """A figure dividing summed fact columns: Σ parts x scale ÷ (whole - less), rounded as
    reports.rounding shows it, in SQL or in Python."""

    parts: tuple[str, ...]
    whole: str
    less: str = ""
    scale: int = 1

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.parts, self.whole, *((self.less,) if self.less else ()))

    def sql(self) -> str:
        whole = f"{self.whole} - {self.less}" if self.less else self.whole
        return ratio_sql(" + ".join(self.parts), whole, self.scale)

    def reader(self, columns: list[str]) -> Callable[[Sequence[float]], float | None]:
        """The figure of a row of these columns' sums (the same operations as sql())."""
        parts = [columns.index(part) for part in self.parts]
        whole = columns.index(self.whole)
        less = columns.index(self.less) if self.less else None
        scale = self.scale
        if less is not None:
            return lambda values: ratio(_added(values, parts), values[whole] - values[less], scale)
        return lambda values: ratio(_added(values, parts), values[whole], scale)


def _added(values: Sequence[float], indexes: list[int]) -> float:
    """These values added left to right, as SQL adds them (sum() of floats compensates
    its rounding from Python 3.12 on, which may change the last bit)."""
    total = values[indexes[0]]
    for index in indexes[1:]:
        total += values[index]
    return total


# The queue figures (DOMAIN §5's formulas) by the summed fact columns they read: a count
# as summed, the longest wait as its maximum (shown), each other one a ratio.
QUEUE_COUNTS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "handled",
    "transfers",
    "callbacks_requested",
    "callbacks_completed",
    "voicemails",
)
QUEUE_MAXIMA = {"longest_wait": "longest_wait_seconds"}
_HANDLE = ("talk_seconds", "hold_seconds", "wrap_up_seconds")
QUEUE_RATIOS = {
    "service_level": Ratio(("answered_in_threshold",), "offered", "short_abandoned", 100),
    "abandonment_rate": Ratio(("abandoned",), "offered", "short_abandoned", 100),
    "asa": Ratio(("answer_wait_seconds",), "answered"),
    "average_wait": Ratio(("wait_seconds",), "waits"),
    "average_abandon_time": Ratio(("abandon_wait_seconds",), "abandoned"),
    "aht": Ratio(_HANDLE, "handled"),
    "average_talk": Ratio(("talk_seconds",), "handled"),
    "average_hold": Ratio(("hold_seconds",), "handled"),
    "average_wrap_up": Ratio(("wrap_up_seconds",), "handled"),
}


def agent_figures(sums: Row) -> Row:
    """The agent KPIs of summed interval facts."""
    available, on_call = sums["available_seconds"], sums["on_call_seconds"]
    wrap_state = sums["wrap_up_state_seconds"]
    logged_in = available + sums["ringing_seconds"] + on_call + wrap_state
    logged_in += sums["not_ready_seconds"]
    return {
        "logged_in": shown(logged_in),
        "available": shown(available),
        "ringing": shown(sums["ringing_seconds"]),
        "on_call": shown(on_call),
        "wrap_up_time": shown(wrap_state),
        "not_ready": shown(sums["not_ready_seconds"]),
        **{
            f"not_ready_{reason}": shown(sums[f"{reason}_seconds"])
            for reason in AgentProfile.Reason.values
        },
        "occupancy": ratio(on_call + wrap_state, on_call + wrap_state + available, 100),
        "utilization": ratio(on_call + wrap_state, logged_in, 100),
        **_handling_figures(sums),
        "missed_offers": sums["missed_offers"],
    }


def _epoch(column: str) -> str:
    """SQL for a timestamp column as whole seconds since 1970 (cheaper to load than a
    datetime: a month of 15-minute rows is tens of thousands of them)."""
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%%s', {column}) AS integer)"
    # date_part gives a double, cheaper per row than EXTRACT's numeric.
    return f"CAST(date_part('epoch', {column}) AS bigint)"


def _fact_rows(
    table: str,
    owner: str,
    columns: list[str],
    start: datetime,
    end: datetime,
    owners: list[int] | None,
) -> list[tuple]:
    """(interval start in epoch seconds, owner_id, *columns) of the facts in range, in
    time then owner order; one indexed scan."""
    # Sorted here, not by the database: the rows come mostly in order already (facts are
    # written as time goes), which Python's sort takes in a few passes, and (time, owner)
    # is unique, so no comparison reaches the figures.
    # Table and column names are ours, never input; every value is a parameter.
    sql = (
        f"SELECT {_epoch('interval_start')}, {owner}_id, {', '.join(columns)}"  # noqa: S608
        f" FROM {table} WHERE interval_start >= %s AND interval_start < %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = [adapt(start), adapt(end)]
    if owners is not None:
        sql += f" AND {owner}_id IN ({', '.join(['%s'] * len(owners))})" if owners else " AND 1 = 0"
        params += owners
    with connection.cursor() as cursor:
        if connection.settings_dict["OPTIONS"].get("server_side_binding"):
            # Numbers cross as numbers, not as text to parse: a third of a month's fetch.
            # (Only server-side binding offers binary results.)
            cursor.cursor.format = pq.Format.BINARY
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    rows.sort()
    return rows


Slot = tuple[str, str, int]  # (period start as ISO text in UTC, period label, owner)


def _periods(
    rows: list[tuple], interval: str, sums: int, maxima: int, merged: bool = False
) -> Iterable[tuple[Slot, Sequence[float]]]:
    """Facts summed by (period, owner), in period then owner order; the `maxima` columns
    after the first `sums` take the max. `merged`: an owner may have several facts in
    one interval."""
    zone = center_zone()
    labels: dict[int, tuple[str, str]] = {}

    def slot(epoch: int, owner: int) -> Slot:
        named = labels.get(epoch)
        if named is None:
            label, key = period_of(datetime.fromtimestamp(epoch, UTC), interval, zone)
            named = labels[epoch] = (key.isoformat(), label)
        return (named[0], named[1], owner)

    if interval == "15m" and not merged:  # each fact is its own period, and comes in order
        return ((slot(row[0], row[1]), row[2:]) for row in rows)
    totals: dict[Slot, list[float]] = {}
    for row in rows:
        key = slot(row[0], row[1])
        values = totals.get(key)
        if values is None:
            totals[key] = list(row[2:])
            continue
        for index in range(sums):
            values[index] += row[2 + index]
        for index in range(sums, sums + maxima):
            values[index] = max(values[index], row[2 + index])
    return sorted(totals.items(), key=lambda item: (item[0][0], item[0][2]))


def _call_kpis(
    rows: list[tuple],
    owner: str,
    names: dict[int, str],
    interval: str,
    figures: list[str],
    columns: list[str],
    sums: int,
    merged: bool = False,
) -> list[Row]:
    """Queue figures of summed fact rows (epoch, owner, *columns), per period and owner;
    `merged` when one owner may have several rows in an interval (a team's queues)."""
    # Each figure reads its columns by position: a count is copied, a maximum shown, a
    # ratio computed by its reader.
    copied = [(name, columns.index(name)) for name in figures if name in QUEUE_COUNTS]
    maxima = [(name, columns.index(QUEUE_MAXIMA[name])) for name in figures if name in QUEUE_MAXIMA]
    computed = [
        (name, QUEUE_RATIOS[name].reader(columns)) for name in figures if name in QUEUE_RATIOS
    ]
    result = []
    periods = _periods(rows, interval, sums, len(columns) - sums, merged)
    for (key, label, owner_id), values in periods:
        row: Row = {
            "period": label,
            "period_start": key,
            owner: owner_id,
            f"{owner}_name": names.get(owner_id, ""),
        }
        for name, index in copied:
            row[name] = values[index]
        for name, index in maxima:
            row[name] = shown(values[index])
        for name, read in computed:
            row[name] = read(values)
        result.append(row)
    return result


def _figure_sql(name: str) -> str:
    """SQL for a queue figure of one fact row: what _call_kpis computes of one period's sums."""
    if name in QUEUE_RATIOS:
        return QUEUE_RATIOS[name].sql()
    if name in QUEUE_MAXIMA:
        return shown_sql(QUEUE_MAXIMA[name])
    return name


def _interval_kpis(
    table: str,
    owner: str,
    names: dict[int, str],
    figures: list[str],
    start: datetime,
    end: datetime,
    owner_ids: list[int] | None,
) -> list[Row]:
    """Queue figures per 15 minutes and owner, where each fact is its own period: the
    database computes them (_figure_sql, the same formulas and rounding), and each row is
    made of the fetched tuple as it comes, since a month of them is 57,600 rows."""
    rows = _fact_rows(table, owner, [_figure_sql(name) for name in figures], start, end, owner_ids)
    keys = ("period", "period_start", owner, f"{owner}_name", *figures)
    owners = {owner_id: (owner_id, name) for owner_id, name in names.items()}
    zone = center_zone()
    periods: dict[int, tuple[str, str]] = {}
    result = []
    for row in rows:
        period = periods.get(row[0])
        if period is None:
            label, key = period_of(datetime.fromtimestamp(row[0], UTC), "15m", zone)
            period = periods[row[0]] = (label, key.isoformat())
        named = owners.get(row[1]) or (row[1], "")
        result.append(dict(zip(keys, period + named + row[2:], strict=True)))
    return result


def _call_columns(figures: list[str]) -> tuple[list[str], int]:
    """The fact columns these figures read (sums first, then maxima) and how many sums."""
    needed = {
        column
        for name in figures
        for column in (
            QUEUE_RATIOS[name].columns if name in QUEUE_RATIOS else (QUEUE_MAXIMA.get(name, name),)
        )
    }
    sums = [column for column in _QUEUE_SUMS if column in needed]
    maxima = [column for column in QUEUE_MAXIMA.values() if column in needed]
    return sums + maxima, len(sums)


def _owner_kpis(
    table: str,
    owner: str,
    names: dict[int, str],
    start: datetime,
    end: datetime,
    interval: str,
    owner_ids: list[int] | None,
    figures: list[str],
) -> list[Row]:
    """Queue figures of one owner's facts (a queue's, a line's) per period."""
    if interval == "15m":
        return _interval_kpis(table, owner, names, figures, start, end, owner_ids)
    columns, sums = _call_columns(figures)
    rows = _fact_rows(table, owner, columns, start, end, owner_ids)
    return _call_kpis(rows, owner, names, interval, figures, columns, sums)


def queue_kpis(
    *,
    start: datetime,
    end: datetime,
    interval: str,
    queue_ids: list[int] | None = None,
    figures: Iterable[str] = QUEUE_FIGURES,
) -> list[Row]:
    """Queue KPIs (all, or those named) per period and queue over [start, end), periods
    in the center's zone."""
    names = dict(Queue.objects.values_list("id", "name"))
    table = QueueInterval._meta.db_table
    return _owner_kpis(table, "queue", names, start, end, interval, queue_ids, list(figures))


def team_kpis(
    *, start: datetime, end: datetime, interval: str, team_ids: list[int] | None = None
) -> list[Row]:
    """Inbound KPIs per period and team: the sums of the facts of the queues each team
    serves (Team.queues; a queue two teams serve counts in both)."""
    columns, sums = _call_columns(QUEUE_FIGURES)
    served = Team.queues.through.objects.all()
    if team_ids is not None:
        served = served.filter(team_id__in=team_ids)
    teams_of: dict[int, list[int]] = {}
    for team_id, queue_id in served.values_list("team_id", "queue_id"):
        teams_of.setdefault(queue_id, []).append(team_id)
    facts = _fact_rows(QueueInterval._meta.db_table, "queue", columns, start, end, sorted(teams_of))
    rows = [(fact[0], team, *fact[2:]) for fact in facts for team in teams_of[fact[1]]]
    names = dict(Team.objects.values_list("id", "name"))
    return _call_kpis(rows, "team", names, interval, QUEUE_FIGURES, columns, sums, merged=True)


def line_kpis(
    *, start: datetime, end: datetime, interval: str, line_ids: list[int] | None = None
) -> list[Row]:
    """Inbound KPIs per period and line (the number the caller dialled)."""
    names = {
        pk: f"{name} ({number})"
        for pk, name, number in InboundNumber.objects.values_list("id", "name", "number")
    }
    table = LineInterval._meta.db_table
    return _owner_kpis(table, "line", names, start, end, interval, line_ids, QUEUE_FIGURES)


def agent_kpis(
    *, start: datetime, end: datetime, interval: str, agent_ids: list[int] | None = None
) -> list[Row]:
    """Agent KPIs per period and agent over [start, end), periods in the center's zone."""
    rows = _fact_rows(AgentInterval._meta.db_table, "agent", _AGENT_SUMS, start, end, agent_ids)
    names = {
        agent.pk: str(agent)
        for agent in AgentProfile.objects.select_related("user").filter(
            pk__in={row[1] for row in rows}
        )
    }
    result = []
    for (key, label, agent_id), values in _periods(rows, interval, len(_AGENT_SUMS), 0):
        sums = dict(zip(_AGENT_SUMS, values, strict=True))
        result.append(
            {
                "period": label,
                "period_start": key,
                "agent": agent_id,
                "agent_name": names.get(agent_id, ""),
                **agent_figures(sums),
            }
        )
    return result


# --- Who sees what -------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The queues and agents whose figures a user may see (None: all)."""

    queue_ids: list[int] | None
    agent_ids: list[int] | None
    campaign_ids: list[int] | None = None
    team_ids: list[int] | None = None

    def narrow(self, owner_ids: list[int] | None, allowed: list[int] | None) -> list[int] | None:
        if allowed is None:
            return owner_ids
        if owner_ids is None:
            return allowed
        return [owner for owner in owner_ids if owner in set(allowed)]


def report_scope(user: User | AnonymousUser) -> Scope | None:
    """Managers see everything; supervisors their teams' agents and queues; agents their
    own figures; anyone else nothing (None)."""
    if isinstance(user, AnonymousUser):
        return None
    if user.has_perm("reports.view_all_reports"):
        return Scope(queue_ids=None, agent_ids=None)
    if user.has_perm("reports.view_team_reports"):
        teams = Team.objects.filter(supervisors=user.pk)
        return Scope(
            campaign_ids=None if user.has_perm("campaigns.view_callattempt") else [],
            team_ids=sorted(teams.values_list("pk", flat=True)),
            queue_ids=sorted(queues_supervised_by(user.pk).values_list("pk", flat=True)),
            agent_ids=sorted(agents_supervised_by(user.pk).values_list("pk", flat=True)),
        )
    own = AgentProfile.objects.filter(user=user).values_list("pk", flat=True).first()
    if own is not None:
        return Scope(queue_ids=[], agent_ids=[own], campaign_ids=[], team_ids=[])
    return None


# --- The calls behind a figure --------------------------------------------------------

# Figures a drill-down can list the calls of: every count, each a set of a period's entries.
DRILLABLE = QUEUE_COUNTS


def figure_entries(
    *, figure: str, owner: str, owner_id: int, start: datetime, end: datetime
) -> list[QueueEntry]:
    """The queue entries counted in `figure` for one queue (or agent) over [start, end),
    by the rules of the interval facts (reports.counting.entry_counts)."""
    if owner == "queue":
        entries = QueueEntry.objects.filter(
            queue_id=owner_id, waiting_since__gte=start, waiting_since__lt=end
        )
    else:
        entries = QueueEntry.objects.filter(
            served_by_id=owner_id, connected_at__gte=start, connected_at__lt=end
        )
    entries = entries.filter(transferred_from__isnull=True) if owner == "queue" else entries
    rows = list(entries.values(*counting.ENTRY_FIELDS))
    handling = counting.entry_handling(rows)
    counted = {row["id"] for row in rows if figure in counting.entry_counts(row, handling)[0]}
    return list(
        QueueEntry.objects.filter(pk__in=counted)
        .select_related("queue", "call", "customer", "served_by__user")
        .order_by("waiting_since", "id")[:500]
    )
