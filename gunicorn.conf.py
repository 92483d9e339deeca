"""gunicorn's settings for Docket: `gunicorn -c gunicorn.conf.py wsgi:app` (README's production notes, `make run`).

The access log names each request by its path alone, never its query string or Referer: Xero's callback
(`/integrations/xero/callback?code=…&state=…`) carries a one-time authorisation code, and a page shown at that
address sends it on as the Referer of what it loads."""
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
