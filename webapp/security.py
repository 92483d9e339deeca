"""Security headers on every response: CSP (no inline scripts), framing, nosniff, referrer, HSTS."""


def content_security_policy(frame_ancestors: tuple[str, ...]) -> str:
    ancestors = " ".join(("'self'",) + frame_ancestors)
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


def init_app(app) -> None:
    policy = content_security_policy(app.config["FRAME_ANCESTORS"])
    hsts = app.config["DOCKET_ENV"] == "production"

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
