"""Reading helpers: Xero's `where` mini-language, paging and If-Modified-Since, mapped onto peewee."""
import operator
import re
import uuid
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

from peewee import fn

from .errors import QueryParseError

_OPS = {"==": operator.eq, "=": operator.eq, "!=": operator.ne, ">=": operator.ge,
        "<=": operator.le, ">": operator.gt, "<": operator.lt}
_CLAUSE = re.compile(r"^([A-Za-z][A-Za-z0-9.]*?)(\.ToLower\(\)|\.ToUpper\(\))?\s*(==|!=|>=|<=|=|>|<)\s*(.+)$", re.S)
_METHOD = re.compile(r'^([A-Za-z][A-Za-z0-9.]*)\.(StartsWith|EndsWith|Contains)\("((?:[^"\\]|\\.)*)"\)$', re.S)
_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"$', re.S)
_GUID = re.compile(r'^[Gg]uid\("([0-9a-fA-F-]{36})"\)$')
_NUM = r"\s*(\d{1,4})\s*"
_DATETIME = re.compile(rf"^DateTime\({_NUM},{_NUM},{_NUM}(?:,{_NUM},{_NUM},{_NUM})?\)$")


def _split_and(where: str) -> list[str]:
    """Split on AND / && outside string literals."""
    parts, buf, in_str, i = [], [], False, 0
    while i < len(where):
        ch = where[i]
        if ch == '"' and (i == 0 or where[i - 1] != "\\"):
            in_str = not in_str
        if not in_str:
            m = re.match(r"\s+AND\s+|\s*&&\s*", where[i:], re.I)
            if m:
                parts.append("".join(buf))
                buf, i = [], i + m.end()
                continue
        buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return [_unwrap(p.strip()) for p in parts if p.strip()]


def _unwrap(clause: str) -> str:
    while clause.startswith("(") and clause.endswith(")"):
        clause = clause[1:-1].strip()
    return clause


def _literal(text: str):
    text = text.strip()
    if m := _STRING.match(text):
        return m.group(1).replace('\\"', '"')
    if m := _GUID.match(text):
        return str(uuid.UUID(m.group(1)))
    if m := _DATETIME.match(text):
        nums = [int(g) for g in m.groups() if g is not None]
        return datetime(*nums) if len(nums) == 6 else date(*nums)
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    try:
        return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    except ValueError:
        raise QueryParseError(f"Operator '{text}' incompatible with operand types") from None


def where_expression(where: str, fields: dict):
    """Translate a `where` string into a peewee expression using `fields` (Xero name -> column)."""
    expr = None
    for clause in _split_and(where):
        if m := _METHOD.match(clause):
            column = _column(fields, m.group(1))
            value = m.group(3).replace('\\"', '"')
            part = {"StartsWith": column.startswith, "EndsWith": column.endswith,
                    "Contains": column.contains}[m.group(2)](value)
        elif m := _CLAUSE.match(clause):
            column = _column(fields, m.group(1))
            value = _literal(m.group(4))
            if m.group(2):
                column = _lowered(column, m.group(2))
                value = value.lower() if isinstance(value, str) and "Lower" in m.group(2) else \
                    value.upper() if isinstance(value, str) else value
            if isinstance(value, str) and m.group(3) in ("==", "=", "!=") and not m.group(2):
                # Xero's database collation makes string equality case-insensitive.
                column, value = fn.LOWER(column), value.lower()
            part = _OPS[m.group(3)](column, value)
        else:
            raise QueryParseError(f"No property or field '{clause.split()[0]}' exists")
        expr = part if expr is None else expr & part
    return expr


def _lowered(column, func):
        return fn.LOWER(column) if "Lower" in func else fn.UPPER(column)


def _column(fields: dict, name: str):
    if name not in fields:
        raise QueryParseError(f"No property or field '{name.split('.')[-1]}' exists in type "
                              f"'{name.split('.')[0]}'")
    return fields[name]


def parse_if_modified_since(value: str | None) -> datetime | None:
    """Accept Xero's `yyyy-mm-ddThh:mm:ss` (UTC) or an HTTP date; ignore anything else."""
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip().rstrip("Z"), fmt)
        except ValueError:
            continue
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def page_params(args) -> tuple[int, int] | None:
    """`(page, pageSize)` when `page` is given; pageSize defaults to 100 and is clamped to 1..1000."""
    if "page" not in args:
        return None
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    try:
        size = int(args.get("pageSize", 100))
    except ValueError:
        size = 100
    return page, min(max(size, 1), 1000)


def paginate(query, args) -> tuple:
    """Limit `query` to the asked page, returning it with Xero's `pagination` object (None when unpaged)."""
    paging = page_params(args)
    if paging is None:
        return query, None
    page, size = paging
    count = query.count()
    return query.paginate(page, size), {"page": page, "pageSize": size, "pageCount": -(-count // size),
                                        "itemCount": count}


def csv_list(args, name: str) -> list[str]:
    raw = args.get(name, "")
    return [part.strip() for part in raw.split(",") if part.strip()]
