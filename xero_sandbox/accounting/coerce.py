"""Type coercion for request fields; a wrong type is Xero's PostDataInvalidException, not a validation error."""
import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from .errors import PostDataInvalid

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def _invalid(path: str, value, target: str) -> PostDataInvalid:
    return PostDataInvalid(f"JSON for post data was invalid,Error converting value \"{value}\" to type "
                           f"'{target}'. Path '{path}'.")


def decimal(value, path: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _invalid(path, value, "System.Decimal")
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise _invalid(path, value, "System.Decimal") from None
    if not result.is_finite():
        raise _invalid(path, value, "System.Decimal")
    return result


def text(value, path: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list, bool)):
        raise _invalid(path, value, "System.String")
    return str(value)


def boolean(value, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _invalid(path, value, "System.Boolean")


def day(value, path: str) -> date | None:
    """`YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss` or `/Date(ms+0000)/`."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(path, value, "System.DateTime")
    if m := _MS_DATE.match(value):
        return datetime.fromtimestamp(int(m.group(1)) / 1000, tz=timezone.utc).date()
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise _invalid(path, value, "System.DateTime")


def obj(value, path: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(path, value, "Object")
    return value


def items(value, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid(path, value, "List")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _invalid(f"{path}[{index}]", item, "Object")
    return value


def enum(value, allowed: set[str], path: str) -> str | None:
    """Xero matches enum names case-insensitively; unknown names fail deserialisation."""
    if value is None:
        return None
    if isinstance(value, str):
        for option in allowed:
            if option.lower() == value.lower():
                return option
    raise PostDataInvalid(f"JSON for post data was invalid,Requested value '{value}' was not found. "
                          f"Path '{path}'.")
