"""Steps shared by the browser tests (the Chromium fixtures live in tests/conftest.py)."""


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def expected_errors(page, text: str) -> list[str]:
    """Take the console errors containing `text` out of what the page fixture checks; there must be one."""
    found = [error for error in page.console_errors if text in error]
    assert found, (text, page.console_errors)
    page.console_errors[:] = [error for error in page.console_errors if text not in error]
    return found


def lines_of_text(locator) -> int:
    """How many lines the element's text takes on the page (1: it doesn't wrap)."""
    return locator.evaluate("el => { const range = document.createRange(); range.selectNodeContents(el); "
                            "return new Set(Array.from(range.getClientRects(), rect => Math.round(rect.top))).size; }")
