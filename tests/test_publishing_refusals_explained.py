"""Refusals Xero gives without words, in words Docket doesn't know, or as a bare status, explained to a bookkeeper;
what is kept for support."""
from webapp.publishing.messages import explain
from webapp.xero.errors import XeroError, XeroValidationError

WITHOUT_WHY = ("Xero refused the item without saying why. Check the item and publish again; if it keeps failing, "
               "contact support.")


def test_a_413_without_words_is_the_image_being_too_large():
    explained = explain(XeroError("", status=413))
    assert explained.message.startswith("Xero didn't accept the item's image")
    assert explained.action == "check_attachment"


def test_a_refusal_without_words_says_so():
    for error in (XeroError("", status=409), XeroValidationError([])):
        explained = explain(error)
        assert (explained.message, explained.action, explained.detail) == (WITHOUT_WHY, "contact_support", "")


def test_unknown_words_are_quoted_without_their_full_stop_only():
    explained = explain(XeroValidationError(["Unknown tax type TAX."]))
    assert explained.message.startswith("Xero said “Unknown tax type TAX”. ")


def test_a_bug_keeps_only_its_kind_for_support():
    assert explain(KeyError("token=secret")).detail == "KeyError"
