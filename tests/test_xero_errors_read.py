"""What Docket makes of each answer Xero can give: the kind of error (so the right person is asked to act, or the job
waits the right time) and Xero's own words for a refused document."""
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests

from webapp.xero import errors


def answer(status: int, body=None, headers=None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = (json.dumps(body) if isinstance(body, (dict, list)) else body or "").encode()
    response.headers.update(headers or {})
    return response


def test_a_rate_limit_says_how_long_to_wait():
    error = errors.error_from_response(answer(429, headers={"Retry-After": "30", "X-Rate-Limit-Problem": "Minute",
                                                           "Xero-Correlation-Id": "abc"}))
    assert isinstance(error, errors.XeroRateLimited)
    assert (error.retry_after, error.problem, error.daily, error.status, error.correlation_id) == \
        (30, "minute", False, 429, "abc")
    assert str(error) == "rate limited (Minute), retry after 30.0s"


@pytest.mark.parametrize("problem, daily, wait", [("day", True, errors.DAY_PROBE), ("Daily", True, errors.DAY_PROBE),
                                                  ("minute", False, 60), ("", False, 60)])
def test_without_retry_after_a_daily_limit_is_probed_in_15_minutes_others_in_a_minute(problem, daily, wait):
    error = errors.error_from_response(answer(429, headers={"X-Rate-Limit-Problem": problem}))
    assert (error.daily, error.retry_after) == (daily, wait)
    assert str(error).startswith(f"rate limited ({problem or 'unknown'})")


@pytest.mark.parametrize("header, seconds", [(None, 60.0), ("", 60.0), ("soon", 60.0), ("-5", 0.0), ("2.5", 2.5),
                                             ("Tue, 01 Jan 2002 00:00:00 -0000", 60.0)])
def test_retry_after_values(header, seconds):
    assert errors.retry_after_seconds(header) == seconds


def test_retry_after_as_an_http_date():
    in_two_minutes = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)
    assert 110 <= errors.retry_after_seconds(in_two_minutes) <= 120
    assert errors.retry_after_seconds("Tue, 01 Jan 2002 00:00:00 GMT") == 0.0


def test_a_refused_token_asks_an_admin_to_reconnect():
    error = errors.error_from_response(answer(401, {"Detail": "TokenExpired: token expired"}))
    assert type(error) is errors.XeroAuthRequired
    assert (error.detail, error.status) == ("TokenExpired: token expired", 401)
    assert "reconnect" in error.user_message


def test_a_missing_scope_asks_to_reconnect_to_grant_it():
    error = errors.error_from_response(answer(401, {"Title": "Unauthorized"},
                                              {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}))
    assert type(error) is errors.XeroInsufficientScope
    assert error.detail == "Unauthorized"


@pytest.mark.parametrize("status, kind", [(403, errors.XeroTenantDisconnected), (404, errors.XeroNotFound),
                                          (500, errors.XeroUnavailable), (503, errors.XeroUnavailable),
                                          (408, errors.XeroUnavailable), (412, errors.XeroUnavailable),
                                          (409, errors.XeroError), (499, errors.XeroError)])
def test_each_status_is_its_kind_of_error(status, kind):
    error = errors.error_from_response(answer(status, {"Message": "said Xero"}))
    assert type(error) is kind
    assert (error.detail, str(error), error.status) == ("said Xero", "said Xero", status)


def test_without_detail_the_error_reads_as_its_user_message():
    error = errors.error_from_response(answer(503, {}))
    assert str(error) == errors.XeroUnavailable.user_message
    assert errors.error_from_response(answer(502, "<html>Bad gateway</html>" + "x" * 400)).detail == \
        ("<html>Bad gateway</html>" + "x" * 400)[:300]


@pytest.mark.parametrize("body, detail", [({"Detail": "d", "Message": "m"}, "d"), ({"Message": "m", "error": "e"}, "m"),
                                          ({"error": "e", "Title": "t"}, "e"), ({"Title": "t"}, "t")])
def test_the_detail_is_xeros_most_specific_field(body, detail):
    assert errors.error_from_response(answer(404, body)).detail == detail


def test_a_validation_exception_keeps_each_distinct_message_of_the_document_and_its_lines():
    body = {"Type": "ValidationException", "Message": "A validation exception occurred", "Elements": [
        {"ValidationErrors": [{"Message": "Contact is required"}, {"Description": "Date is invalid"}],
         "LineItems": [{"ValidationErrors": [{"Message": "Account code 999 is not valid"}]},
                       {"ValidationErrors": [{"Message": "Contact is required"}]}, {}]},
        {"ValidationErrors": []}]}
    error = errors.error_from_response(answer(400, body))
    assert type(error) is errors.XeroValidationError
    assert error.messages == ["Contact is required", "Date is invalid", "Account code 999 is not valid"]
    assert error.elements == body["Elements"]
    assert str(error) == "Contact is required; Date is invalid; Account code 999 is not valid"


def test_a_validation_exception_without_element_errors_gives_its_own_message():
    error = errors.error_from_response(answer(400, {"Type": "ValidationException", "Message": "Invalid request"}))
    assert (error.messages, error.elements) == (["Invalid request"], [])
    assert errors.validation_messages({"Elements": [{"ValidationErrors": [{"Message": ""}]}]}) == []


XML = """<ApiException><ErrorNumber>10</ErrorNumber><Type>ValidationException</Type>
<Message>A validation exception occurred</Message><Elements><DataContractBase><ValidationErrors>
<ValidationError><Message> Account code '999' is not a valid code </Message></ValidationError>
<ValidationError><Message>Account code '999' is not a valid code</Message></ValidationError>
<ValidationError><Message>Invoice not of valid status for modification</Message></ValidationError>
<ValidationError><Message>  </Message></ValidationError>
</ValidationErrors></DataContractBase></Elements></ApiException>"""


def test_an_answer_in_xml_gives_xeros_messages():
    error = errors.error_from_response(answer(400, "\n  " + XML))
    assert type(error) is errors.XeroValidationError
    assert error.messages == ["Account code '999' is not a valid code", "Invoice not of valid status for modification"]


@pytest.mark.parametrize("xml, messages", [
    ("<ApiException><Message> Invalid request </Message></ApiException>", ["Invalid request"]),
    ("<ApiException><Message> </Message></ApiException>", []),
    ("<Response><Message>Not an error</Message></Response>", []),
    ("<not xml", []),
    ('<!DOCTYPE x [<!ENTITY a "boom">]><ApiException><Message>&a;</Message></ApiException>', []),
])
def test_xml_that_is_not_an_api_exception_gives_no_messages(xml, messages):
    assert errors.error_from_response(answer(400, xml)).messages == messages


def test_any_other_refusal_keeps_its_detail_as_the_message():
    assert errors.error_from_response(answer(400, {"Message": "Bad request"})).messages == ["Bad request"]
    empty = errors.error_from_response(answer(400, {}))
    assert (empty.messages, str(empty)) == ([], "validation failed")


def test_a_rate_limit_without_xeros_headers_waits_a_minute():
    error = errors.error_from_response(answer(429))
    assert (error.problem, error.daily, error.retry_after) == ("", False, 60)
    assert str(error) == "rate limited (unknown), retry after 60s"
    assert errors.XeroRateLimited(5).problem == ""


def test_an_error_without_detail_reads_as_its_user_message():
    assert str(errors.XeroUnavailable()) == errors.XeroUnavailable.user_message
    assert errors.XeroNotFound().detail == ""


@pytest.mark.parametrize("status, body, headers", [
    (429, None, {}), (401, {"Detail": "x"}, {"WWW-Authenticate": "Bearer error=insufficient_scope"}),
    (401, {}, {}), (403, {}, {}), (404, {}, {}), (400, {"Type": "ValidationException"}, {}), (400, XML, {}),
    (400, {"Message": "x"}, {}), (503, {}, {}), (409, {}, {}),
])
def test_every_error_keeps_the_status_and_xeros_correlation_id_for_support(status, body, headers):
    error = errors.error_from_response(answer(status, body, {"Xero-Correlation-Id": "c-1", **headers}))
    assert (error.status, error.correlation_id) == (status, "c-1")


@pytest.mark.parametrize("xml", [
    "<ApiException><Elements><ValidationError><Description>x</Description></ValidationError></Elements>"
    "</ApiException>",
    "<ApiException></ApiException>",
])
def test_xml_without_any_message_gives_none(xml):
    assert errors.error_from_response(answer(400, xml)).messages == []


def test_elements_that_are_not_objects_are_skipped():
    assert errors.validation_messages({"Elements": [None, "x", {"ValidationErrors": [{"Message": "m"}]}]}) == ["m"]
