"""Which of the business's Xero tax rates a printed line's tax is. An e-invoice gives each line its percent and tax
category (UNCL 5305: S standard, AA lower rate, Z zero rated, E exempt, O outside the scope, AE reverse charge);
a printed table may give a percent. A rate is chosen only when exactly one fits; otherwise the line keeps the
item's own (so a person chooses, as for any line)."""
from decimal import Decimal

from webapp.items.amounts import is_reverse_charge

SIDE = {"costs": "EXPENSES", "sales": "REVENUE"}
PLAIN_REPORT_TYPES = {"costs": {"INPUT"}, "sales": {"OUTPUT"}}  # not capital goods, imports or EC
ZERO_KINDS = {"Z": ("zero",), "E": ("exempt", "free"), "O": ("no ", "none", "outside", "exclu")}  # name or type


def tax_rate_for(rates, workspace: str, percent: Decimal | None, category: str | None):
    """The one rate of `rates` (the business's active tax rates) that a line with this percent and category has."""
    category = (category or "").strip().upper()
    fitting = [rate for rate in rates if not rate.can_apply_to or SIDE[workspace] in rate.can_apply_to.split()]
    if category == "AE":
        return _only([rate for rate in fitting if is_reverse_charge(rate)])
    if percent is None:
        return None
    same = [rate for rate in fitting if not is_reverse_charge(rate) and Decimal(rate.effective_rate) == percent]
    if category in ZERO_KINDS:
        same = [rate for rate in same if _described_as(rate, ZERO_KINDS[category])]
    if len(same) > 1:
        same = [rate for rate in same if rate.report_tax_type in PLAIN_REPORT_TYPES[workspace]]
    return _only(same)


def _described_as(rate, words: tuple[str, ...]) -> bool:
    text = f"{rate.name} {rate.report_tax_type} ".lower()
    return any(word in text for word in words)


def _only(rates):
    return rates[0] if len(rates) == 1 else None
