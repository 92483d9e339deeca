"""Where Docket sends a person and its calls: Xero's own URLs, the sandbox's (one host), and the link to each
published document."""
import pytest

from webapp.xero.endpoints import XeroEndpoints

DOCUMENT = "0b1c2d3e-0000-4000-8000-00000000abcd"


def test_real_xero_urls():
    endpoints = XeroEndpoints.real_xero()
    assert endpoints == XeroEndpoints(authorize_url="https://login.xero.com/identity/connect/authorize",
                                      token_url="https://identity.xero.com/connect/token",
                                      revocation_url="https://identity.xero.com/connect/revocation",
                                      connections_url="https://api.xero.com/connections",
                                      api_url="https://api.xero.com/api.xro/2.0", operator_url="")


@pytest.mark.parametrize("base", ["https://tools.example.com/SANDBOX", "https://tools.example.com/SANDBOX/"])
def test_a_sandbox_serves_every_path_under_its_base_url(base):
    endpoints = XeroEndpoints.on_one_host(base)
    root = "https://tools.example.com/SANDBOX"
    assert endpoints == XeroEndpoints(authorize_url=f"{root}/identity/connect/authorize",
                                      token_url=f"{root}/connect/token",
                                      revocation_url=f"{root}/connect/revocation",
                                      connections_url=f"{root}/connections", api_url=f"{root}/api.xro/2.0",
                                      operator_url=f"{root}/operator")


@pytest.mark.parametrize("xero_type, page", [
    ("ACCPAY", "AccountsPayable/View.aspx?InvoiceID="),
    ("ACCREC", "AccountsReceivable/View.aspx?InvoiceID="),
    ("ACCPAYCREDIT", "AccountsPayable/ViewCreditNote.aspx?creditNoteID="),
    ("ACCRECCREDIT", "AccountsReceivable/ViewCreditNote.aspx?creditNoteID="),
    ("SPEND", "Bank/ViewTransaction.aspx?bankTransactionID="),
    ("RECEIVE", "Bank/ViewTransaction.aspx?bankTransactionID="),
    ("SOMETHINGNEW", "AccountsPayable/View.aspx?InvoiceID="),  # a type Docket doesn't know: Xero's invoice page
])
def test_a_published_document_opens_on_its_page_at_xero(xero_type, page):
    link = XeroEndpoints.real_xero().document_link("tenant-1", xero_type, DOCUMENT)
    assert link == f"https://go.xero.com/{page}{DOCUMENT}"


def test_on_the_sandbox_a_document_opens_on_its_organisations_operator_page():
    link = XeroEndpoints.on_one_host("http://127.0.0.1:8001").document_link("tenant-1", "SPEND", DOCUMENT)
    assert link == f"http://127.0.0.1:8001/operator/organisations/tenant-1#document-{DOCUMENT}"
