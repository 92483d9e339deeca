"""Day rates read from EXCHANGE_RATES_URL: the request made for a day and a base, answers quoted per 100 units, one
download a day, and what the bookkeeper is told when a rate is missing."""
import json
from datetime import date
from decimal import Decimal

import pytest
import requests

from webapp.publishing.rates import MissingRate, UrlRates

DAY, NEXT_DAY = date(2026, 3, 12), date(2026, 3, 13)


class Source:
    """A stand-in for requests.get: answers `body` with `status` and records each call."""

    def __init__(self, body, status=200):
        self.body, self.status, self.calls = body, status, []

    def __call__(self, url, **kwargs):
        self.calls.append((url, kwargs))
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        return response


def test_the_url_gets_the_day_and_the_base_and_the_call_cannot_hang():
    source = Source({"base": "GBP", "rates": {"EUR": 1.2}})
    assert UrlRates("https://rates.example/{date}?from={base}", get=source).rate("GBP", "EUR", DAY) == Decimal("1.2")
    assert source.calls == [("https://rates.example/2026-03-12?from=GBP",
                             {"timeout": 10.0, "headers": {"Accept": "application/json"}})]


def test_rates_quoted_for_an_amount_are_per_unit():
    source = Source({"amount": 100, "base": "JPY", "rates": {"gbp": 0.52}})
    assert UrlRates("https://rates.example/{date}", get=source).rate("JPY", "GBP", DAY) == Decimal("0.0052")


def test_a_currency_is_worth_itself_without_asking():
    source = Source({}, status=500)
    assert UrlRates("https://rates.example/{date}", get=source).rate("GBP", "GBP", DAY) == 1
    assert source.calls == []


def test_each_days_table_is_downloaded_once_even_when_the_url_has_no_date():
    source = Source({"base": "EUR", "rates": {"GBP": 0.84}})
    rates = UrlRates("https://rates.example/latest", get=source)
    for day in (DAY, DAY, NEXT_DAY):
        rates.rate("EUR", "GBP", day)
    assert len(source.calls) == 2


@pytest.mark.parametrize("body, status, advice", [
    ({"base": "EUR", "rates": {"GBP": 0.84}}, 200, "EXCHANGE_RATES_URL has none: publish in the document's currency"),
    ({}, 404, "EXCHANGE_RATES_URL has none: publish in the document's currency"),
    (b"<html>", 200, "the EXCHANGE_RATES_URL answer isn't in the documented format (see README: Configuration)"),
])
def test_a_missing_rate_says_which_and_what_to_do(body, status, advice):
    with pytest.raises(MissingRate) as missing:
        UrlRates("https://rates.example/{date}", get=Source(body, status)).rate("EUR", "SEK", DAY)
    assert str(missing.value) == f"No exchange rate for EUR→SEK on 2026-03-12; {advice}."
