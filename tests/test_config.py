"""Configuration read from the environment: Xero or the sandbox, and refusing bad values."""
import pytest

from webapp.config import ConfigError, load_settings
from webapp.xero.endpoints import XeroEndpoints

BASE = {"DOCKET_ENV": "test", "SECRET_KEY": "s", "TOKEN_ENCRYPTION_KEYS": "k:" + "A" * 43 + "="}


def test_without_credentials_docket_uses_the_sandbox_and_its_demo_client():
    settings = load_settings(BASE | {"SANDBOX_PORT": "8123"})
    assert settings.xero_base_url == "http://127.0.0.1:8123"
    assert (settings.xero_client_id, settings.xero_client_secret) == ("docket-demo", "docket-demo-secret")


def test_credentials_alone_switch_to_real_xero():
    settings = load_settings(BASE | {"XERO_CLIENT_ID": "ABC", "XERO_CLIENT_SECRET": "shh"})
    assert settings.xero_base_url == "" and settings.xero_client_secret == "shh"
    assert XeroEndpoints.real_xero().token_url == "https://identity.xero.com/connect/token"
    assert XeroEndpoints.real_xero().api_url == "https://api.xero.com/api.xro/2.0"


@pytest.mark.parametrize("environ, message", [
    ({"XERO_CLIENT_ID": "ABC"}, "XERO_CLIENT_SECRET must be set"),
    ({"XERO_SCOPES": "everything"}, "XERO_SCOPES must be granular or broad"),
    ({"DOCKET_ENV": "staging"}, "DOCKET_ENV must be production, development or test"),
    ({"MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB must be a whole number"),
    ({"DOCKET_ENV": "production", "TOKEN_ENCRYPTION_KEYS": ""}, "TOKEN_ENCRYPTION_KEYS must be set"),
    ({"DOCUMENT_STORAGE_URL": "ftp://files.example"}, "DOCUMENT_STORAGE_URL must be empty, file, or s3://bucket/"),
    ({"DOCUMENT_STORAGE_URL": "s3:///documents"}, "DOCUMENT_STORAGE_URL must be empty, file, or s3://bucket/"),
    ({"DOCUMENT_STORAGE_URL": "s3://docs", "S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL must be an http"),
])
def test_bad_settings_stop_the_start_with_a_clear_message(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(BASE | environ)


@pytest.mark.parametrize("url, kept", [("", ""), ("file", ""), ("s3://docs/docket", "s3://docs/docket")])
def test_documents_stay_in_the_local_folder_unless_a_bucket_is_named(url, kept):
    settings = load_settings(BASE | {"DOCUMENT_STORAGE_URL": url, "S3_ENDPOINT_URL": "https://r2.example"})
    assert settings.document_storage_url == kept


def test_sandbox_endpoints_share_one_host():
    endpoints = XeroEndpoints.on_one_host("http://127.0.0.1:8001/")
    assert endpoints.authorize_url == "http://127.0.0.1:8001/identity/connect/authorize"
    assert endpoints.connections_url == "http://127.0.0.1:8001/connections"
    assert endpoints.revocation_url == "http://127.0.0.1:8001/connect/revocation"


def test_email_in_settings_have_working_defaults_and_production_has_no_secret_until_one_is_set():
    development = load_settings(BASE)
    assert (development.inbound_email_domain, development.inbound_smtp_port) == ("docket.localhost", 8025)
    assert development.inbound_email_secret == "docket-dev-inbound-secret"
    production = {"DOCKET_ENV": "production", "XERO_CLIENT_ID": "A", "XERO_CLIENT_SECRET": "B",
                  "PUBLIC_URL": "https://docket.example"}
    assert load_settings(BASE | production).inbound_email_secret == ""  # /inbound/email answers 503
    configured = load_settings(BASE | production | {"INBOUND_EMAIL_SECRET": "s3cret", "INBOUND_SMTP_PORT": "2525",
                                                    "INBOUND_EMAIL_DOMAIN": " In.Docket.Example "})
    assert (configured.inbound_email_secret, configured.inbound_smtp_port) == ("s3cret", 2525)
    assert configured.inbound_email_domain == "in.docket.example"
    with pytest.raises(ConfigError, match="INBOUND_SMTP_PORT must be a whole number"):
        load_settings(BASE | {"INBOUND_SMTP_PORT": "smtp"})
