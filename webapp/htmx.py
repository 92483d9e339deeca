"""One place that decides between a whole page and an HTMX fragment, plus response helpers."""
import json

from flask import make_response, render_template, request


def wants_fragment(*targets: str) -> bool:
    """True for a non-boosted, non-history-restore HTMX request aimed at one of `targets`."""
    hx = request.htmx
    if not hx or hx.boosted or hx.history_restore_request:
        return False
    return not targets or hx.target in targets


def render(page: str, fragment: str | None = None, *, targets: tuple[str, ...] = (), status: int = 200, **context):
    """Render `fragment` for an HTMX request aimed at `targets`, else the full `page`."""
    use_fragment = fragment is not None and wants_fragment(*targets)
    response = make_response(render_template(fragment if use_fragment else page, **context), status)
    response.vary.add("HX-Request")
    if targets:
        response.vary.add("HX-Target")
    return response


def with_trigger(response, *events: str, **detailed):
    """Add an HX-Trigger header naming client events (kebab-case `<area>-changed`)."""
    payload = {name: True for name in events} | detailed
    response.headers["HX-Trigger"] = json.dumps(payload)
    return response


def stop_polling(response):
    """HTMX stops a polling element when it receives status 286."""
    response = make_response(response)  # a rendered template (str) too, as publishing.views.panel passes
    response.status_code = 286
    return response
