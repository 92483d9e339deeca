"""A demo practice portal: a small site on another origin that embeds Docket and signs its launch tokens.

It plays the portal's part of README's "Embedding in a practice portal": its server signs a launch token
(HS256 JWT with joserfc) for the person and client business chosen, its page frames Docket's /embed/start,
answers Docket's docket:ready with the token (postMessage to Docket's origin only) and lists the events
Docket posts back. Only for trying embedding locally: the person is picked from a list, not signed in.
"""
import json
import os
import time
import uuid

from flask import Flask, abort, jsonify, render_template, request
from joserfc import jwt
from joserfc.jwk import OctKey

LIFETIME = 60  # the longest Docket accepts


def load_config(environ=None) -> dict:
    """PORTAL_DEMO_* variables, set by `make run` (webapp/launcher.py) from the demo settings."""
    env = os.environ if environ is None else environ
    return {
        "PORTAL_ID": env.get("PORTAL_DEMO_ID", "demo-portal"),
        "PORTAL_KEY": env.get("PORTAL_DEMO_KEY", ""),
        "DOCKET_URL": env.get("PORTAL_DEMO_DOCKET_URL", "http://127.0.0.1:8000").rstrip("/"),
        "LAUNCHES": json.loads(env.get("PORTAL_DEMO_LAUNCHES", "[]")),
    }


def create_app(overrides: dict | None = None) -> Flask:
    """LAUNCHES: [{"label", "email", "business", "role", "can_publish"}], whom it can open Docket as, and how."""
    app = Flask(__name__)
    app.config.update(load_config())
    app.config.update(overrides or {})

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; script-src 'self'; "
                                    f"style-src 'self'; frame-src {app.config['DOCKET_URL']}; object-src 'none'")
        return response

    @app.get("/")
    def index():
        launches = app.config["LAUNCHES"]
        asked = request.args.get("launch", "0")
        chosen = int(asked) if asked.isdigit() and int(asked) < len(launches) else 0
        return render_template("portal.html", launches=launches, chosen=chosen, docket_url=app.config["DOCKET_URL"],
                               portal_id=app.config["PORTAL_ID"])

    @app.post("/launch-token")
    def launch_token():
        """Sign a fresh token for the chosen launch. JSON only, so another site's form can't ask for one."""
        body = request.get_json(silent=True) if request.is_json else None
        launches = app.config["LAUNCHES"]
        if not isinstance(body, dict) or not isinstance(body.get("launch"), int) \
                or not 0 <= body["launch"] < len(launches):
            abort(400)
        return jsonify(token=sign_launch(app.config["PORTAL_ID"], app.config["PORTAL_KEY"], launches[body["launch"]]))

    return app


def sign_launch(portal_id: str, key: str, launch: dict, now: float | None = None) -> str:
    """What a portal's server does for each launch: a one-minute, single-use token for one person and business."""
    issued = int(time.time() if now is None else now)
    claims = {"iss": portal_id, "aud": "docket", "email": launch["email"], "business": launch["business"],
              "role": launch["role"], "can_publish": launch.get("can_publish", False), "iat": issued,
              "exp": issued + LIFETIME, "jti": uuid.uuid4().hex}
    return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.import_key(key))
