"""Xero's API error responses (problem JSON) as werkzeug HTTPExceptions."""
import json
import uuid
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

TITLES = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 429: "TooManyRequests",
          500: "An error occurred", 503: "ServiceUnavailable"}


class XeroApiError(HTTPException):
    """An API error answered with Xero's `{"Type":null,"Title":..,"Status":..,"Detail":..}` body."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        super().__init__(description=detail)
        self.code = status
        self.detail = detail
        self.extra_headers = {"Xero-Correlation-Id": str(uuid.uuid4()), **(headers or {})}

    def body(self) -> dict:
        return {"Type": None, "Title": TITLES.get(self.code, "Error"), "Status": self.code,
                "Detail": self.detail, "Instance": self.extra_headers["Xero-Correlation-Id"], "Extensions": {}}

    def get_response(self, environ=None, scope=None):
        return Response(json.dumps(self.body()), status=self.code, headers=self.extra_headers,
                        content_type="application/json; charset=utf-8")


class XeroApiPlainText(XeroApiError):
    """An error Xero answers in plain text, not problem JSON: 503 while the API or the organisation is offline,
    and 429 beyond a rate limit (callers go by its headers)."""

    def get_response(self, environ=None, scope=None):
        return Response(self.detail, status=self.code, headers=self.extra_headers,
                        content_type="text/plain; charset=utf-8")


class XeroApiXml(XeroApiError):
    """An error body in XML, as Xero sometimes answers a JSON client (`detail` is the whole document)."""

    def get_response(self, environ=None, scope=None):
        return Response(self.detail, status=self.code, headers=self.extra_headers,
                        content_type="text/xml; charset=utf-8")


def xml_validation_error(message: str, element_type: str, headers: dict) -> XeroApiXml:
    """Xero's ValidationException as XML: one element of `element_type` (e.g. Invoice) carrying `message`."""
    return XeroApiXml(400, f"""<ApiException xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <ErrorNumber>10</ErrorNumber>
  <Type>ValidationException</Type>
  <Message>A validation exception occurred</Message>
  <Elements>
    <DataContractBase xsi:type="{escape(element_type)}">
      <ValidationErrors>
        <ValidationError>
          <Message>{escape(message)}</Message>
        </ValidationError>
      </ValidationErrors>
    </DataContractBase>
  </Elements>
</ApiException>""", headers)


def rate_limited(problem: str, headers: dict) -> XeroApiPlainText:
    return XeroApiPlainText(429, "Rate Limit Exceeded", {**headers, "X-Rate-Limit-Problem": problem})


def unauthorized(detail: str = "AuthenticationUnsuccessful", error: str | None = "invalid_token",
                 description: str | None = None) -> XeroApiError:
    """401 with a Bearer challenge (missing, bad, expired or under-scoped token)."""
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    if description:
        challenge += f', error_description="{description}"'
    return XeroApiError(401, detail, {"WWW-Authenticate": challenge})


def forbidden() -> XeroApiError:
    """403 AuthenticationUnsuccessful: tenant missing, unknown or not connected."""
    return XeroApiError(403, "AuthenticationUnsuccessful")


def not_found(detail: str = "The resource you're looking for cannot be found") -> XeroApiError:
    """404 in the problem-JSON shape."""
    return XeroApiError(404, detail)
