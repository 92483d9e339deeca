"""Xero's dates as Docket reads them (`/Date(ms+0000)/` or ISO) and the If-Modified-Since it sends back."""
import time
from datetime import date, datetime

import pytest

from webapp.xero import dates


@pytest.mark.parametrize("value, moment", [
    ("/Date(1552327126164+0000)/", datetime(2019, 3, 11, 17, 58, 46, 164000)),
    (" /Date(1552327126000)/ ", datetime(2019, 3, 11, 17, 58, 46)),
    ("/Date(-86400000+0000)/", datetime(1969, 12, 31)),
    ("2019-03-11T17:58:46", datetime(2019, 3, 11, 17, 58, 46)),
    ("2019-03-11T17:58:46Z", datetime(2019, 3, 11, 17, 58, 46)),
    ("2019-03-11T19:58:46+02:00", datetime(2019, 3, 11, 17, 58, 46)),
    ("", None), (None, None),
])
def test_moments_are_read_as_utc(value, moment):
    assert dates.parse_datetime(value) == moment


@pytest.fixture
def server_in_new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_moments_are_utc_whatever_the_servers_time_zone(server_in_new_york):
    assert dates.parse_datetime("/Date(1552327126000+0000)/") == datetime(2019, 3, 11, 17, 58, 46)
    assert dates.parse_datetime("2019-03-11T17:58:46") == datetime(2019, 3, 11, 17, 58, 46)
    assert dates.parse_datetime("2019-03-11T19:58:46+02:00") == datetime(2019, 3, 11, 17, 58, 46)


def test_a_date_is_the_utc_day():
    assert dates.parse_date("/Date(1552348800000+0000)/") == date(2019, 3, 12)
    assert dates.parse_date("2019-03-12T01:00:00+02:00") == date(2019, 3, 11)
    assert dates.parse_date(None) is None


def test_if_modified_since_is_to_the_second_in_utc():
    assert dates.if_modified_since(datetime(2026, 3, 1, 9, 5, 7, 999000)) == "2026-03-01T09:05:07Z"
