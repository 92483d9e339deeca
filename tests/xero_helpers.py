"""Driving the Xero sandbox from tests: a live sandbox, and a person consenting at its pages."""
import re
from html import unescape
from urllib.parse import urlsplit

import requests

SANDBOX_PASSWORD = "docket-demo"
UK_ORG = "Hartley & Moss Joinery Ltd"
AU_ORG = "Bondi Coastal Cafe Pty Ltd"


def consent(authorize_url: str, organisations: list[str], *, email="demo@xero.example", allow=True,
            session: requests.Session | None = None) -> str:
    """Log in at the sandbox, tick `organisations` by name and allow (or deny); return the redirect back."""
    browser = session or requests.Session()
    page = browser.get(authorize_url)
    if 'action="/identity/login"' in page.text:
        page = browser.post(urlsplit(authorize_url)._replace(path="/identity/login", query="").geturl(), data={
            "csrf_token": _field(page.text, "csrf_token"), "next": unescape(_field(page.text, "next")),
            "email": email, "password": SANDBOX_PASSWORD})
    form_action = unescape(re.search(r'<form method="post" action="([^"]+)" id="consent-form"', page.text).group(1))
    tenants = {unescape(name.strip()): value for value, name in
               re.findall(r'name="tenant_id" value="([^"]+)"[^>]*>\s*([^<]+)', page.text)}
    data = {"csrf_token": _field(page.text, "csrf_token"), "action": "allow" if allow else "deny",
            "tenant_id": [tenants[name] for name in organisations]}
    answer = browser.post(urlsplit(authorize_url)._replace(path="", query="").geturl() + form_action, data=data,
                          allow_redirects=False)
    assert answer.status_code in (302, 303), answer.text[:500]
    return answer.headers["Location"]


def tenant_ids(sandbox_url: str) -> dict[str, str]:
    """Organisation name → tenant id of the sandbox's live connections."""
    rows = requests.get(f"{sandbox_url}/operator/api/connections").json()["connections"]
    return {row["tenantName"]: row["tenantId"] for row in rows}


def forget_tenant_names(sandbox_url: str) -> None:
    """The sandbox lists its connections without tenantName from now on, as Xero does for some older ones."""
    for row in requests.get(f"{sandbox_url}/operator/api/connections", timeout=10).json()["connections"]:
        requests.put(f"{sandbox_url}/operator/api/connections/{row['id']}/tenant-name", json={"tenantName": ""},
                     timeout=10).raise_for_status()


def tokens_issued(sandbox_url: str) -> int:
    return len(requests.get(f"{sandbox_url}/operator/api/tokens").json()["tokens"])


def _field(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
