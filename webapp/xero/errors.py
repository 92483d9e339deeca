"""Typed errors for everything Xero can answer, parsed from its responses."""
import email.utils
from datetime import datetime, timezone
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml


class XeroError(Exception):
    """Base class: `user_message` is safe to show, `detail` is for logs."""

    user_message = "Xero could not complete the request."

    def __init__(self, detail: str = "", *, status: int | None = None, correlation_id: str | None = None):
        super().__init__(detail or self.user_message)
        self.detail, self.status, self.correlation_id = detail, status, correlation_id


class XeroAuthRequired(XeroError):
    """The grant is gone (revoked, expired, rotated away): an admin must reconnect."""

    user_message = "The connection to Xero needs reconnecting. An admin can reconnect from Integrations."


class XeroTenantDisconnected(XeroAuthRequired):
    """The token works but this organisation is no longer connected (403 AuthenticationUnsuccessful)."""

    user_message = "This Xero organisation was disconnected from Docket. An admin can reconnect from Integrations."


class XeroInsufficientScope(XeroAuthRequired):
    user_message = "Docket lacks a Xero permission it needs. An admin can reconnect to grant it."


# Seconds before trying an organisation again when its daily limit is used up and Xero didn't say when it resets:
# then one call learns from Xero whether the day has reset.
DAY_PROBE = 15 * 60


def is_daily(problem: str) -> bool:
    """Xero names the daily limit `day` (older documentation says `Daily`)."""
    return problem.lower() in ("day", "daily")


class XeroRateLimited(XeroError):
    user_message = "Xero asked us to slow down. Docket will try again shortly."

    def __init__(self, retry_after: float, problem: str = "", **kwargs):
        super().__init__(f"rate limited ({problem or 'unknown'}), retry after {retry_after}s", **kwargs)
        self.retry_after, self.problem = retry_after, problem.lower()

    @property
    def daily(self) -> bool:
        return is_daily(self.problem)


class XeroUnavailable(XeroError):
    """A 5xx, a timeout or a dropped connection: worth retrying later."""

    user_message = "Xero is not responding right now. Docket will try again shortly."


class XeroNotFound(XeroError):
    user_message = "Xero could not find that record."


class XeroValidationError(XeroError):
    """Xero refused the data (400 ValidationException); `messages` are Xero's own words."""

    user_message = "Xero refused the data."

    def __init__(self, messages: list[str], elements: list | None = None, **kwargs):
        super().__init__("; ".join(messages) or "validation failed", **kwargs)
        self.messages, self.elements = messages, elements or []


def retry_after_seconds(value: str | None, default: float = 60.0) -> float:
    """Retry-After as seconds: a number of seconds or an HTTP date."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds()) if when.tzinfo else default


def error_from_response(response) -> XeroError:
    """Turn a non-2xx `requests.Response` from the Accounting API or /connections into a typed error."""
    status = response.status_code
    correlation_id = response.headers.get("Xero-Correlation-Id")
    common = {"status": status, "correlation_id": correlation_id}
    body = _json_or_none(response)
    detail = _detail(body, response)
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "")
        retry_after = retry_after_seconds(response.headers.get("Retry-After"), DAY_PROBE if is_daily(problem) else 60)
        return XeroRateLimited(retry_after, problem, **common)
    if status == 401:
        if "insufficient_scope" in response.headers.get("WWW-Authenticate", ""):
            return XeroInsufficientScope(detail, **common)
        return XeroAuthRequired(detail, **common)
    if status == 403:
        return XeroTenantDisconnected(detail, **common)
    if status == 404:
        return XeroNotFound(detail, **common)
    if status == 400 and isinstance(body, dict) and body.get("Type") == "ValidationException":
        return XeroValidationError(validation_messages(body), body.get("Elements"), **common)
    if status == 400 and response.text.lstrip().startswith("<"):  # Xero answers in XML at times, even to JSON
        return XeroValidationError(_xml_messages(response.text), **common)
    if status == 400:
        return XeroValidationError([detail] if detail else [], **common)
    if status >= 500 or status in (408, 412):
        return XeroUnavailable(detail, **common)
    return XeroError(detail, **common)


def validation_messages(payload: dict) -> list[str]:
    """Every distinct ValidationErrors message in a ValidationException body or a batch element."""
    messages: list[str] = []
    for element in payload.get("Elements") or [payload]:
        holders = [element, *(element.get("LineItems") or [])] if isinstance(element, dict) else []
        for holder in holders:
            for error in holder.get("ValidationErrors") or []:
                text = error.get("Message") or error.get("Description")
                if text and text not in messages:
                    messages.append(text)
    if not messages and payload.get("Message"):
        messages.append(payload["Message"])
    return messages


def _xml_messages(text: str) -> list[str]:
    """Each ValidationError's Message in an ApiException, else the exception's own Message; [] for XML that
    isn't one or can't be read."""
    try:
        root = parse_xml(text)
    except (ParseError, DefusedXmlException):  # not XML, or XML that tries entity or DTD tricks
        return []
    if root.tag != "ApiException":
        return []
    messages: list[str] = []
    for error in root.iter("ValidationError"):
        message = (error.findtext("Message") or "").strip()
        if message and message not in messages:
            messages.append(message)
    if not messages and (root.findtext("Message") or "").strip():
        messages.append(root.findtext("Message").strip())
    return messages


def _json_or_none(response):
    try:
        return response.json()
    except ValueError:
        return None


def _detail(body, response) -> str:
    if isinstance(body, dict):
        return str(body.get("Detail") or body.get("Message") or body.get("error") or body.get("Title") or "")
    return response.text[:300]


