"""Phone capture: the app manifest and its icons, the service worker's headers, the offline page, /snap (the home
screen icon) and the Snap page, and the JSON answer Snap gets from the upload route."""
import io
from html import unescape
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests import factories
from tests.items_helpers import encoded, receipt_image
from tests.test_embed import launched, portals  # noqa: F401
from webapp.items.models import Item


@pytest.fixture(autouse=True)
def storage(app, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")


def photo(text: str = "Total 12.50") -> tuple[io.BytesIO, str]:
    return io.BytesIO(encoded(receipt_image(lines=["Corner Cafe", text]), "JPEG")), "photo.jpg"


def test_the_manifest_opens_snap_standalone_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert (manifest["name"], manifest["start_url"], manifest["display"]) == ("Docket", "/snap", "standalone")
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png", icon
        width, height = Image.open(io.BytesIO(image.data)).size
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_the_service_worker_is_served_from_the_root_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert b'addEventListener("fetch"' in response.data


def test_the_offline_page_names_nobody_even_for_someone_signed_in(app, admin):
    client = app.test_client().login(admin.user)
    response = client.get("/offline")
    assert response.status_code == 200
    page = unescape(response.text)
    assert "You're offline" in page
    for private in (admin.user.email, admin.user.display_name, admin.business.name, client.token):
        assert private not in page


def test_snap_from_the_home_screen_asks_to_sign_in_first(client):
    response = client.get("/snap")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert "next=/snap" in unescape(response.location).replace("%2F", "/")


def test_snap_opens_the_only_business_or_asks_which_and_then_goes_back_to_the_inbox_snapped_for(app, admin):
    client = app.test_client().login(admin.user)
    assert client.get("/snap").location == f"/b/{admin.business_id}/snap/costs"

    second = factories.make_member(user=admin.user, role="standard")
    client = app.test_client().login(admin.user)
    chooser = unescape(client.get("/snap").text)
    assert admin.business.name in chooser and second.business.name in chooser
    assert client.get(f"/b/{second.business_id}/snap/sales").status_code == 200
    assert client.get("/snap").location == f"/b/{second.business_id}/snap/sales"


def test_the_snap_page_takes_photos_for_costs_or_sales(admin_client, admin):
    page = admin_client.get(f"/b/{admin.business_id}/snap/costs").text
    assert 'capture="environment"' in page
    assert f'data-upload-url="/b/{admin.business_id}/inbox/costs/upload"' in page
    sales = admin_client.get(f"/b/{admin.business_id}/snap/sales").text
    assert f'data-upload-url="/b/{admin.business_id}/inbox/sales/upload"' in sales
    assert admin_client.get(f"/b/{admin.business_id}/snap/bills").status_code == 404


def test_the_snap_page_is_for_members_only(app, admin, outsider):
    client = app.test_client().login(outsider.user)
    response = client.get(f"/b/{admin.business_id}/snap/costs")
    assert response.status_code == 404
    assert admin.business.name not in response.text
    assert urlsplit(app.test_client().get(f"/b/{admin.business_id}/snap/costs").location).path == "/login"


def test_pages_link_the_manifest_but_not_inside_a_portal(app, admin_client, admin):
    page = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'data-worker="/sw.js"' in page
    embedded = launched(app, admin).get(f"/b/{admin.business_id}/inbox/costs").text
    assert "manifest" not in embedded and "sw.js" not in embedded


def test_an_upload_asking_for_json_gets_each_outcome_and_the_item(admin_client, admin):
    url = f"/b/{admin.business_id}/inbox/costs/upload"
    json_only = {"Accept": "application/json"}
    first = admin_client.form(url, {"files": photo()}, headers=json_only)
    assert first.status_code == 200
    [added] = first.get_json()["outcomes"]
    item = Item.get()
    assert (added["outcome"], added["item_url"]) == ("added", f"/b/{admin.business_id}/items/{item.id}")

    again = admin_client.form(url, {"files": photo()}, headers=json_only).get_json()["outcomes"]
    assert [(outcome["outcome"], outcome["item_url"]) for outcome in again] == [("duplicate", added["item_url"])]
    assert Item.select().count() == 1

    refused = admin_client.form(url, {"files": (io.BytesIO(b"not a photo"), "photo.jpg")}, headers=json_only)
    assert refused.status_code == 422
    [rejected] = refused.get_json()["outcomes"]
    assert rejected["outcome"] == "rejected" and rejected["item_url"] is None
    assert rejected["message"].startswith("“photo.jpg” isn't a file type we accept")
    assert Item.select().count() == 1
