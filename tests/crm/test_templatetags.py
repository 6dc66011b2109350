import datetime as dt

from django.template import Context, Template

START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def _waited(seconds: int) -> str:
    template = Template("{% load crm_tags %}{{ since|waited:until }}")
    return template.render(
        Context({"since": START, "until": START + dt.timedelta(seconds=seconds)})
    )


def test_a_wait_under_a_minute_is_told_in_seconds():
    assert _waited(12) == "12 seconds"
    assert _waited(1) == "1 second"


def test_a_longer_wait_is_told_in_minutes():
    assert _waited(150) == "2\xa0minutes"  # timesince keeps number and unit together
