"""When Docket says it will publish again by itself, how long it says that will take, and Xero's words kept for
support."""
import pytest
import requests

from webapp.publishing.messages import explain
from webapp.xero.errors import XeroRateLimited, XeroTenantDisconnected, XeroUnavailable


@pytest.mark.parametrize("seconds, when", [
    (60, "within a minute"), (61, "in about a minute"), (89, "in about a minute"), (90, "in about 2 minutes"),
    (3000, "in about 50 minutes"), (3599, "in about an hour"), (3600, "in about an hour"),
    (5400, "in about 2 hours"), (10800, "in about 3 hours"),
])
def test_a_rate_limit_says_when_docket_tries_again(seconds, when):
    explained = explain(XeroRateLimited(seconds, "minute"))
    assert explained.message == (f"Xero asked Docket to slow down. Docket will publish the item again {when} by "
                                 "itself; nothing needs changing.")


@pytest.mark.parametrize("error, detail", [
    (XeroRateLimited(30.0, "minute"), "rate limited (minute), retry after 30.0s"),
    (XeroUnavailable(" POST /Invoices: ReadTimeout "), "POST /Invoices: ReadTimeout"),
    (XeroUnavailable(), XeroUnavailable.user_message),
    (requests.Timeout("read timed out"), "read timed out"),
])
def test_the_errors_own_words_are_kept_for_support(error, detail):
    assert explain(error).detail == detail


def test_a_missing_permission_is_recognised_whatever_the_case():
    explained = explain(XeroTenantDisconnected("User Does Not Have The Correct Permissions To Create A Bill"))
    assert explained.action == "reconnect"
    assert explained.message.startswith("The Xero user who connected Docket isn't allowed to create this kind")
