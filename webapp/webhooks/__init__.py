"""Webhooks from Xero: signed event deliveries, de-duplicated and turned into background re-fetches."""
