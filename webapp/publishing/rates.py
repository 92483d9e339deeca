"""Exchange rates for publishing: a fixed table (the default, the same one the Xero sandbox uses) or day rates
from a JSON URL the operator configures (EXCHANGE_RATES_URL)."""
import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Protocol

import requests

RATE_PLACES = Decimal("0.000001")  # Xero keeps CurrencyRate to 6 decimal places
NOT_FOUND = (400, 404, 422)  # the source has no table for that day or base: a missing rate, not an outage
URL_ADVICE = "EXCHANGE_RATES_URL has none: publish in the document's currency"

# US dollars per unit, as in the sandbox's fixed stand-in for XE.com day rates (seed_data.USD_VALUE).
USD_VALUE = {"USD": Decimal("1"), "GBP": Decimal("1.27"), "EUR": Decimal("1.08"), "AUD": Decimal("0.66"),
             "NZD": Decimal("0.60"), "CAD": Decimal("0.73"), "JPY": Decimal("0.0067"),
             "SGD": Decimal("0.74"), "CHF": Decimal("1.13")}


class MissingRate(LookupError):
    """No rate for a pair of currencies on a day; the message says what the person can do about it."""

    def __init__(self, from_code: str, to_code: str, day: date,
                 advice: str = "set EXCHANGE_RATES_URL or publish in the document's currency"):
        self.from_code, self.to_code, self.day, self.advice = from_code, to_code, day, advice
        super().__init__(f"No exchange rate for {from_code}→{to_code} on {day.isoformat()}; {advice}.")


class RateSource(Protocol):
    def rate(self, from_code: str, to_code: str, day: date) -> Decimal:
        """Units of `to_code` one unit of `from_code` buys on `day` (6 decimal places); raises MissingRate."""


@dataclass(frozen=True)
class FixedRates:
    """Rates from a table of US-dollar values, the same every day."""

    usd_value: dict = field(default_factory=lambda: dict(USD_VALUE))

    def rate(self, from_code: str, to_code: str, day: date) -> Decimal:
        if from_code == to_code:
            return Decimal(1)
        if from_code not in self.usd_value or to_code not in self.usd_value:
            raise MissingRate(from_code, to_code, day)
        return (self.usd_value[from_code] / self.usd_value[to_code]).quantize(RATE_PLACES)


class UrlRates:
    """Day rates from `url`, which answers JSON like frankfurter.app's:
    `{"amount": 1, "base": "EUR", "date": "2026-03-12", "rates": {"GBP": 0.8412, "USD": 1.0873}}`.

    `{date}` (YYYY-MM-DD) and `{base}` (the currency converted from) in the URL are filled in; any base works,
    since other pairs are crossed through it. Each day's table is downloaded once and kept."""

    def __init__(self, url: str, get=requests.get, timeout: float = 10.0):
        self.url, self.get, self.timeout = url, get, timeout
        self._table = functools.lru_cache(maxsize=512)(self._download)

    def rate(self, from_code: str, to_code: str, day: date) -> Decimal:
        if from_code == to_code:
            return Decimal(1)
        try:
            table = self._table(self.url.replace("{date}", day.isoformat()).replace("{base}", from_code), day)
        except _NoTable as problem:
            raise MissingRate(from_code, to_code, day, str(problem)) from None
        if from_code not in table or to_code not in table:
            raise MissingRate(from_code, to_code, day, URL_ADVICE)
        return (table[to_code] / table[from_code]).quantize(RATE_PLACES)

    def _download(self, url: str, day: date) -> dict[str, Decimal]:
        """{currency: units per one unit of the answer's base}; `day` keys the cache when the URL has no {date}.
        Failures raise, so they are never kept."""
        response = self.get(url, timeout=self.timeout, headers={"Accept": "application/json"})
        if response.status_code in NOT_FOUND:
            raise _NoTable(URL_ADVICE)
        response.raise_for_status()  # an outage: the caller retries later
        try:
            data = response.json()
            amount = Decimal(str(data.get("amount", 1)))
            table = {code.upper(): Decimal(str(value)) / amount for code, value in data["rates"].items()}
            table[data["base"].upper()] = Decimal(1)
        except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation, ZeroDivisionError):
            raise _NoTable("the EXCHANGE_RATES_URL answer isn't in the documented format "
                           "(see README: Configuration)") from None
        return table


class _NoTable(Exception):
    """The source has no usable table for that day; the message is the advice."""


@functools.lru_cache(maxsize=8)
def rate_source(url: str = "") -> RateSource:
    """The source EXCHANGE_RATES_URL names (empty: the fixed table); one per URL per process, so its day cache lasts."""
    return UrlRates(url) if url else FixedRates()
