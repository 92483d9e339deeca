"""Where Xero lives and what Docket asks it for. Real Xero and the sandbox differ only in these values."""
from dataclasses import dataclass

# What Docket reads and writes, as Xero's granular scopes (required for apps created since March 2026)
# and as the older broad scopes (still accepted for older apps until September 2027).
SCOPES = {
    "granular": ("offline_access", "accounting.settings.read", "accounting.contacts", "accounting.invoices",
                 "accounting.banktransactions", "accounting.payments", "accounting.attachments"),
    "broad": ("offline_access", "accounting.settings.read", "accounting.contacts", "accounting.transactions",
              "accounting.attachments"),
}


# Xero's web pages for each kind of document (by the Type the API gives it).
DEEP_LINKS = {"ACCPAY": "AccountsPayable/View.aspx?InvoiceID={id}",
              "ACCREC": "AccountsReceivable/View.aspx?InvoiceID={id}",
              "ACCPAYCREDIT": "AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
              "ACCRECCREDIT": "AccountsReceivable/ViewCreditNote.aspx?creditNoteID={id}",
              "SPEND": "Bank/ViewTransaction.aspx?bankTransactionID={id}",
              "RECEIVE": "Bank/ViewTransaction.aspx?bankTransactionID={id}"}


@dataclass(frozen=True)
class XeroEndpoints:
    authorize_url: str
    token_url: str
    revocation_url: str
    connections_url: str
    api_url: str
    operator_url: str = ""  # the sandbox's operator pages, where its documents are shown

    @classmethod
    def real_xero(cls) -> "XeroEndpoints":
        return cls(
            authorize_url="https://login.xero.com/identity/connect/authorize",
            token_url="https://identity.xero.com/connect/token",
            revocation_url="https://identity.xero.com/connect/revocation",
            connections_url="https://api.xero.com/connections",
            api_url="https://api.xero.com/api.xro/2.0",
        )

    @classmethod
    def on_one_host(cls, base_url: str) -> "XeroEndpoints":
        """Every Xero path served by one host, as the sandbox does."""
        base = base_url.rstrip("/")
        return cls(f"{base}/identity/connect/authorize", f"{base}/connect/token", f"{base}/connect/revocation",
                   f"{base}/connections", f"{base}/api.xro/2.0", f"{base}/operator")

    def document_link(self, tenant_id: str, xero_type: str, xero_id: str) -> str:
        """Where a person opens a published document: Xero's page for it (or the sandbox's organisation page)."""
        if self.operator_url:
            return f"{self.operator_url}/organisations/{tenant_id}#document-{xero_id}"
        return "https://go.xero.com/" + DEEP_LINKS.get(xero_type, DEEP_LINKS["ACCPAY"]).format(id=xero_id)


@dataclass(frozen=True)
class XeroApp:
    """Docket's app registration at Xero."""

    client_id: str
    client_secret: str
    scope_set: str = "granular"
    timeout: float = 30.0

    @property
    def scopes(self) -> tuple[str, ...]:
        return SCOPES[self.scope_set]
