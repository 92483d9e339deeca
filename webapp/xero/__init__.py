"""A plain library for talking to Xero (OAuth, tokens, API calls, errors). No Flask imports."""
