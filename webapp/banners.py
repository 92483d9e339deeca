"""A banner: persistent state of one business shown on every page. Each area computes its own from the database;
`webapp.ui` gathers them for the page and the poller."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Banner:
    level: str  # success | info | warning | error
    text: str
    poll: bool = False  # the banner region keeps polling while any banner says so
    action_label: str = ""
    action_url: str = ""
    steps: tuple = ()  # (label, state, counts text) per step of a running job
    kind: str = ""  # what the banner is about, for code that reacts to it (e.g. "needs-reconnect")
    dismiss_run: int | None = None  # a job's result: the JobRun its Dismiss button marks read

