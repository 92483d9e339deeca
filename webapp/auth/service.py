"""Checking passwords and opening/closing server-side sessions."""
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.accounts.models import User, UserSession, utcnow

# Checked against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None (unknown email and wrong password look alike)."""
    user = User.get_or_none(User.email == normalise_email(email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def open_session(user: User, user_agent: str = "") -> User:
    """Start a new server-side session for `user` (a fresh token at every login)."""
    user.current_session = UserSession.create(user=user, user_agent=user_agent[:255])
    return user


def revoke_session(token: str) -> None:
    UserSession.update(revoked_at=utcnow()).where(
        (UserSession.token == token) & UserSession.revoked_at.is_null()).execute()


def user_for_session(token: str) -> User | None:
    """The signed-in user for a live session token, or None if revoked or unknown."""
    session_row = (UserSession.select(UserSession, User).join(User)
                   .where((UserSession.token == token) & UserSession.revoked_at.is_null()).first())
    if session_row is None:
        return None
    user = session_row.user
    user.current_session = session_row
    return user
