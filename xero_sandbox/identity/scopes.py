"""Xero's OAuth scopes: identity scopes, broad accounting scopes and 2026 granular scopes."""
IDENTITY_SCOPES = ("openid", "profile", "email", "offline_access")

_WRITE_AND_READ = (
    "accounting.transactions", "accounting.settings", "accounting.contacts", "accounting.attachments",
    "accounting.invoices", "accounting.payments", "accounting.banktransactions", "accounting.manualjournals",
)
_READ_ONLY = (
    "accounting.reports.read", "accounting.journals.read", "accounting.budgets.read",
    "accounting.reports.tenninetynine.read",
    *(f"accounting.reports.{name}.read" for name in (
        "aged", "balancesheet", "banksummary", "budgetsummary", "executivesummary",
        "profitandloss", "trialbalance", "taxreports")),
)
ACCOUNTING_SCOPES = (*_WRITE_AND_READ, *(f"{s}.read" for s in _WRITE_AND_READ), *_READ_ONLY)
SUPPORTED_SCOPES = frozenset((*IDENTITY_SCOPES, *ACCOUNTING_SCOPES, "paymentservices"))

DEFAULT_TOKEN_SCOPES = (*ACCOUNTING_SCOPES, "offline_access")


def unsupported(scopes: list[str]) -> list[str]:
    """The requested scopes Xero would not recognise."""
    return [scope for scope in scopes if scope not in SUPPORTED_SCOPES]
