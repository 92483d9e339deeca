"""Xero's error bodies as exceptions the API blueprint turns into responses."""
from flask import Response

from .serialize import json_response

VALIDATION_MESSAGE = "A validation exception occurred"


class ApiError(Exception):
    """Base: carries the HTTP status and Xero's JSON body."""

    status = 400

    def body(self) -> dict:
        raise NotImplementedError

    def response(self) -> Response:
        return json_response(self.body(), self.status)


class ValidationFailed(ApiError):
    """400 ValidationException with the offending elements echoed back."""

    def __init__(self, elements: list[dict]):
        super().__init__(VALIDATION_MESSAGE)
        self.elements = elements

    def body(self) -> dict:
        return {"ErrorNumber": 10, "Type": "ValidationException", "Message": VALIDATION_MESSAGE,
                "Elements": self.elements}


class PostDataInvalid(ApiError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": self.message}


class QueryParseError(ApiError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"ErrorNumber": 16, "Type": "QueryParseException", "Message": self.message}


class NotImplementedYet(ApiError):
    status = 501

    def body(self) -> dict:
        return {"ErrorNumber": 20, "Type": "ApiMethodNotImplementedException",
                "Message": "The Api Method called is not implemented"}


class NotFound(ApiError):
    """Xero answers an unknown id with a plain text/html 404, even to JSON clients."""

    status = 404

    def response(self) -> Response:
        return Response("The resource you're looking for cannot be found", status=404, mimetype="text/html")


def validation_error(element: dict, *messages: str) -> ValidationFailed:
    """A one-element ValidationException for a single object."""
    return ValidationFailed([{**element, "ValidationErrors": [{"Message": msg} for msg in messages]}])
