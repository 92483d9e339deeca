"""Simulated bookkeepers for bench.load, run as a process of its own: `python -m bench.load_users PLAN OUT`.

PLAN is a JSON file: {"base_url", "users": [{"email", "password", "business_id", "item_ids"}], "seconds" (a timed
run) or "rounds" (that many loops each), "warmup_rounds", "publish_share", "polls_after_publish", "healthz" ("probe":
a thread asking /healthz every `healthz_interval` s; "inline": once per loop; "none"), "seed"}.

Each bookkeeper is a thread with its own `requests` session. It signs in through the real login form (the form's
CSRF token, then the token HTMX sends, from <body hx-headers>), runs its warm-up loops unrecorded, waits for the
others, then loops until the time is up: the costs Inbox, an Item details page, an inline edit of the item's
reference (HTMX, X-CSRFToken), the item's publish panel (the fragment HTMX polls); in `publish_share` of the loops
it presses Publish (HTMX) and polls the panel once a second, as the page does, until the outcome is in or
`polls_after_publish` polls are done. It works on its own items in turn (no two bookkeepers share an item), and
edits and publishes only those not published yet.

OUT gets every request of the timed run: [kind, seconds since the timed start, duration s, status, problem or ""]
(and any wrong answer before it), the ids of the items whose Publish answered 200, the loops done, the timed window
and how many requests were sent in all."""
import html
import json
import random
import sys
import threading
import time

import requests
from bench.common import CSRF_IN_FORM, CSRF_IN_PAGE

POLL_SECONDS = 1.0  # hx-trigger="every 1s" on the publishing panel
TIMEOUT = 60


class Recorder:
    def __init__(self):
        self.rows, self.published, self.loops = [], [], 0
        self.sent = 0  # every request, sign-in and warm-up included
        self.start = None  # the timed start; requests before it (sign-in, warm-up) are not kept
        self._lock = threading.Lock()

    def keep(self, kind: str, began: float, seconds: float, status: int, problem: str) -> None:
        with self._lock:
            self.sent += 1
        if self.start is None:
            if problem:  # a wrong answer during sign-in or warm-up still counts
                with self._lock:
                    self.rows.append((kind, 0.0, seconds, status, f"before the timed start: {problem}"))
            return
        with self._lock:
            self.rows.append((kind, round(began - self.start, 4), round(seconds, 5), status, problem))

    def count_loop(self) -> None:
        if self.start is not None:  # warm-up loops are not counted
            with self._lock:
                self.loops += 1


class Bookkeeper:
    def __init__(self, plan: dict, user: dict, recorder: Recorder, rng: random.Random):
        self.base, self.user, self.recorder, self.rng = plan["base_url"], user, recorder, rng
        self.plan = plan
        self.business = user["business_id"]
        self.items = list(user["item_ids"])
        self.unpublished = list(self.items)
        self.references = {}
        self.session = requests.Session()
        self.token = ""
        self.turn = 0

    # one request, timed and checked
    def send(self, kind: str, method: str, path: str, expect: tuple, check=None, hx: bool = False, **kwargs):
        headers = {"HX-Request": "true", "X-CSRFToken": self.token} if hx else {}
        began = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, headers=headers, timeout=TIMEOUT, **kwargs)
            response.content  # read the whole body inside the timing
        except requests.RequestException as error:
            self.recorder.keep(kind, began, time.perf_counter() - began, 0, f"{type(error).__name__}: {error}")
            return None
        seconds = time.perf_counter() - began
        problem = "" if response.status_code in expect else f"{method} {path} answered {response.status_code}"
        if not problem and check:
            try:
                problem = check(response)
            except ValueError as error:  # e.g. a body that isn't the JSON expected
                problem = f"unexpected body: {error}"
        self.recorder.keep(kind, began, seconds, response.status_code, problem and f"{problem} ({path})")
        return response

    def sign_in(self) -> bool:
        form = self.send("sign-in: login form", "GET", "/login", (200,))
        token = form is not None and CSRF_IN_FORM.search(form.text)
        if not token:
            return False
        answer = self.send("sign-in: login", "POST", "/login", (302,), allow_redirects=False,
                           data={"email": self.user["email"], "password": self.user["password"],
                                 "csrf_token": token.group(1)})
        home = answer is not None and self.send("sign-in: home", "GET", "/", (200,),
                                                check=lambda r: "" if CSRF_IN_PAGE.search(r.text)
                                                else "no X-CSRFToken in <body hx-headers>")
        if not home or answer.status_code != 302:
            return False
        self.token = CSRF_IN_PAGE.search(home.text).group(1)
        return True

    def loop(self, healthz_inline: bool, may_publish: bool = True) -> None:
        b = self.business
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        editable = item in self.unpublished
        item_url = f"/b/{b}/items/{item}"
        if healthz_inline:
            self.healthz()
        self.send("inbox list", "GET", f"/b/{b}/inbox/costs", (200,), check=_whole_page)
        reference = self.references.get(item)
        self.send("item details", "GET", item_url, (200,), check=lambda r: _shows(r, reference))
        if editable:
            reference = f"LOAD-{item}-{self.turn}"
            self.send("inline edit (reference)", "POST", f"{item_url}/fields/reference", (200,), hx=True,
                      data={"value": reference}, check=lambda r: "" if "Saved" in r.text else "no 'Saved' in it")
            self.references[item] = reference
        # 286 (HTMX's "stop polling") unless the item is still publishing
        self.send("publish panel", "GET", f"{item_url}/publish", (286,) if editable else (200, 286), hx=True,
                  check=lambda r: "" if 'id="item-publish"' in r.text else "not the publish panel")
        if may_publish and editable and self.rng.random() < self.plan["publish_share"]:
            self.publish(item_url, item)
        self.recorder.count_loop()

    def publish(self, item_url: str, item: int) -> None:
        answer = self.send("publish (press)", "POST", f"{item_url}/publish", (200,), hx=True,
                           check=lambda r: "" if "publish-publishing" in r.text else "panel not publishing")
        self.unpublished.remove(item)
        if answer is None or answer.status_code != 200:
            return
        self.recorder.published.append(item)
        for _ in range(self.plan["polls_after_publish"]):
            time.sleep(POLL_SECONDS)
            poll = self.send("publish panel", "GET", f"{item_url}/publish?was=publishing", (200,), hx=True)
            if poll is None or "HX-Refresh" in poll.headers:
                return

    def healthz(self) -> None:
        self.send("healthz", "GET", "/healthz", (200,),
                  check=lambda r: "" if r.json().get("status") == "ok" else f"body {r.text[:60]!r}")


def _whole_page(response) -> str:
    return "" if "<html" in response.text and 'id="items-table"' in response.text else "not the Inbox page"


def _shows(response, reference: str | None) -> str:
    if 'id="item-publish"' not in response.text:
        return "not the item's details page"
    if reference and html.escape(reference) not in response.text:
        return f"the edited reference {reference!r} is not shown"
    return ""


def run(plan: dict) -> dict:
    recorder = Recorder()
    bookkeepers = [Bookkeeper(plan, user, recorder, random.Random(plan["seed"] * 1000 + n))
                   for n, user in enumerate(plan["users"])]
    finished = threading.Event()
    deadline = {}

    def start_the_clock() -> None:  # run by the last thread to reach the barrier, before any goes on
        recorder.start = time.perf_counter()
        deadline["at"] = recorder.start + (plan.get("seconds") or 10 ** 6)

    ready = threading.Barrier(len(bookkeepers) + 1, action=start_the_clock)

    def work(bookkeeper: Bookkeeper) -> None:
        signed_in = False
        try:
            signed_in = bookkeeper.sign_in()
            for _ in range(plan["warmup_rounds"] if signed_in else 0):
                bookkeeper.loop(healthz_inline=False, may_publish=False)
        except Exception as error:  # noqa: BLE001 - whatever it was, the report must show it, not hang
            recorder.keep("sign-in", time.perf_counter(), 0.0, 0, f"{type(error).__name__}: {error}")
            signed_in = False
        finally:
            ready.wait()
        rounds = 0
        while signed_in and not finished.is_set() and time.perf_counter() < deadline["at"]:
            try:
                bookkeeper.loop(healthz_inline=plan["healthz"] == "inline")
            except Exception as error:  # noqa: BLE001
                recorder.keep("loop", time.perf_counter(), 0.0, 0, f"{type(error).__name__}: {error}")
                return
            rounds += 1
            if plan.get("rounds") and rounds >= plan["rounds"]:
                return

    def probe() -> None:
        bookkeeper = Bookkeeper(plan, plan["users"][0], recorder, random.Random(0))
        while not finished.wait(plan["healthz_interval"]):
            bookkeeper.healthz()

    threads = [threading.Thread(target=work, args=(b,), daemon=True) for b in bookkeepers]
    for thread in threads:
        thread.start()
    ready.wait()
    prober = threading.Thread(target=probe, daemon=True)
    if plan["healthz"] == "probe":
        prober.start()
    for thread in threads:
        thread.join()
    window = time.perf_counter() - recorder.start
    finished.set()
    if prober.is_alive():
        prober.join()
    return {"requests": recorder.rows, "published": recorder.published, "loops": recorder.loops,
            "window_seconds": window, "sent": recorder.sent}


def main(argv: list[str]) -> int:
    plan_path, out_path = argv
    with open(plan_path) as plan_file:
        plan = json.load(plan_file)
    result = run(plan)
    with open(out_path, "w") as out:
        json.dump(result, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
