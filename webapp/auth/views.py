"""Login (rate limited) and logout (POST only)."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from webapp.accounts.access import public, signed_in
from webapp.auth import service
from webapp.auth.forms import LoginForm
from webapp.auth.guard import is_safe_next
from webapp.extensions import limiter

bp = Blueprint("auth", __name__)

WRONG_LOGIN = "That email and password don't match an account. Check them and try again."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    return "email:" + service.normalise_email(request.form.get("email", ""))[:254]


@bp.get("/login")
@public
def login_form():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    return render_template("auth/login.html", form=LoginForm(next=request.args.get("next", "")))


@bp.post("/login")
@limiter.limit(_login_limit)
@limiter.limit(_login_limit, key_func=_submitted_email)
@public
def login():
    form = LoginForm()
    if not form.validate():
        return render_template("auth/login.html", form=form), 422
    user = service.authenticate(form.email.data, form.password.data)
    if user is None:
        return render_template("auth/login.html", form=form, error=WRONG_LOGIN), 401
    session.clear()  # nothing from before login survives into the signed-in session
    login_user(service.open_session(user, request.user_agent.string))
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("accounts.home"))


@bp.post("/logout")
@signed_in
def logout():
    service.revoke_session(current_user.get_id())
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login_form"))
