"""Phone capture: Docket as an installable app (manifest, service worker, offline page) and the Snap page, which
photographs receipts and sends them to an inbox, keeping each photo on the phone until Docket has it."""
