"""Mutation testing (mutmut) of the modules where a silent bug costs money, access or duplicates: per module, how
many of the tool's mutants the module's own tests kill.

    .venv/bin/python -m bench.mutation [--modules webapp/items/amounts.py,webapp/xero/errors.py]
                                       [--backends sqlite] [--show-survivors]

Each module runs in its own temporary copy of the worktree (the files git tracks or would track), with a
[tool.mutmut] section naming the module and its test files; mutmut makes its `mutants/` there, so nothing is left in
the repository. Tests use the TEST_DATABASE_URL / TEST_REDIS_URL of the environment, like pytest (one mutant at a
time: they share that database). Mutants listed in EQUIVALENT behave exactly like the original (reasons in
bench/README.md) and are left out of the score."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

from bench.common import machine, text_table

ROOT = Path(__file__).resolve().parent.parent

# module (a file, or a folder for all its files) -> the test files that check it. mutmut leaves decorated functions
# alone: routes, so publishing's views are not listed. webapp/accounts/access.py registers its checks with Flask by
# calls, so that they can be mutated.
MODULES = {
    "webapp/items/amounts.py": ["tests/test_amounts_rounding.py", "tests/test_publishing_payload.py",
                                "tests/test_items_lines.py"],
    "webapp/items/duplicates.py": ["tests/test_duplicates_flagged.py", "tests/test_items_editing.py"],
    "webapp/xero/errors.py": ["tests/test_xero_errors_read.py", "tests/test_xero_client.py"],
    "webapp/xero/dates.py": ["tests/test_xero_dates.py", "tests/test_xero_client.py"],
    "webapp/xero/crypto.py": ["tests/test_token_encryption.py"],
    "webapp/xero/client.py": ["tests/test_xero_client.py", "tests/test_xero_client_requests.py"],
    "webapp/xero/endpoints.py": ["tests/test_xero_endpoints.py", "tests/test_xero_client.py", "tests/test_config.py"],
    "webapp/xero/oauth.py": ["tests/test_xero_oauth.py", "tests/test_xero_client.py"],
    "webapp/xero/tokens.py": ["tests/test_xero_tokens.py", "tests/test_xero_client.py",
                              "tests/test_token_refresh_race.py"],
    "webapp/xero/limiter.py": ["tests/test_xero_limiter.py", "tests/test_xero_limiter_edges.py"],
    "webapp/publishing/payload.py": ["tests/test_publishing_payload.py", "tests/test_payload_refusals.py",
                                     "tests/test_payload_amounts_edges.py"],
    "webapp/publishing/messages.py": ["tests/test_publishing_messages.py", "tests/test_publishing_retry_messages.py",
                                      "tests/test_publishing_refusals_explained.py"],
    "webapp/publishing/rates.py": ["tests/test_exchange_rates_read.py", "tests/test_publishing_payload.py"],
    "webapp/accounts/access.py": ["tests/test_access_checks.py", "tests/test_access.py"],
    "webapp/publishing/publisher.py": ["tests/test_publishing_publisher.py", "tests/test_publishing_faults.py",
                                       "tests/test_new_contacts.py"],
    "webapp/publishing/contacts.py": ["tests/test_new_contacts.py"],
    "webapp/lists/new_contacts.py": ["tests/test_new_contacts.py"],
    "webapp/items/tax_components.py": ["tests/test_items_tax_components.py"],
    "webapp/publishing/service.py": ["tests/test_publishing_service.py", "tests/test_publishing.py"],
    "webapp/publishing/auto.py": ["tests/test_publishing_auto.py", "tests/test_publishing.py"],
    "webapp/publishing/pace.py": ["tests/test_publishing_pace.py", "tests/test_publishing.py"],
    "jobs/publishing.py": ["tests/test_publishing_jobs.py", "tests/test_publishing.py",
                           "tests/test_publishing_faults.py", "tests/test_jobs.py", "tests/test_new_contacts.py"],
    "webapp/auth/": ["tests/test_sign_in_sessions.py", "tests/test_auth_views.py", "tests/test_access.py",
                     "tests/test_sign_in_limits.py"],
    "webapp/embed/": ["tests/test_embed.py", "tests/test_embed_launch_checks.py"],
    "webapp/webhooks/": ["tests/test_webhooks.py", "tests/test_webhooks_edges.py"],
}

# mutant -> why it behaves exactly like the original (bench/README.md, "Equivalent mutants")
HEADER_CASE = "requests' headers are case-insensitive"
EQUIVALENT = {
    **{f"webapp.xero.errors.x_error_from_response__mutmut_{n}": HEADER_CASE for n in (5, 6, 27, 28, 37, 38, 58, 59)},
    "webapp.xero.errors.x_error_from_response__mutmut_60": "a missing WWW-Authenticate read as XXXX holds no "
                                                           "insufficient_scope either",
    "webapp.items.duplicates.x_find__mutmut_15": "without a date the condition becomes NULL OR reference = ?, which "
                                                 "a WHERE treats as reference = ?",
    **{f"webapp.publishing.messages.x_explain__mutmut_{n}": "the 413 message, in any case or with XX around it, "
                                                            "still matches the attachment rule" for n in (43, 44, 45)},
    "webapp.publishing.messages.x_explain_validation__mutmut_11": "every named group of every rule matches at least "
                                                                  "one character, so the fallback is never used",
    "webapp.publishing.messages.x_explain_validation__mutmut_34": "explain passes a detail only with a message, so "
                                                                  "the no-message branch's detail is always ''",
    "webapp.publishing.payload.x__document_amounts__mutmut_5": "a sum of Decimals starting at 0 or at Decimal(0) is "
                                                               "the same Decimal",
    **{f"webapp.publishing.payload.x__places__mutmut_{n}": "0 or 1 places: either way not more than 2, the only "
                                                           "question needs_unitdp4 asks" for n in (2, 10)},
    **{f"webapp.publishing.payload.x_needs_unitdp4__mutmut_{n}": "only ever asked about create bodies, which always "
                                                                 "have LineItems" for n in (7, 9)},
    **{f"webapp.publishing.payload.x__sources__mutmut_{n}": "TYPES names every type an item can have"
       for n in (4, 6, 7)},
    "webapp.publishing.payload.x__sources__mutmut_38": "an item's net is its total less its tax whenever both are set "
                                                       "(editing keeps them so)",
    "webapp.publishing.payload.x__sources__mutmut_47": "a whole-item line has quantity 1, which keeps its amount with "
                                                       "or without a unit amount",
    "webapp.publishing.payload.x__tax__mutmut_33": "a default tax type of XXXX is no more zero-rated than ''",
    "webapp.publishing.payload.x__wire__mutmut_3": "100 and 100.0 are the same JSON number to Xero",
    **{f"webapp.publishing.rates.xǁUrlRatesǁ__init____mutmut_{n}": "the size of the day cache only bounds its memory"
       for n in (5, 6)},
    **{f"webapp.items.duplicates.x_review__mutmut_{n}": "review never sees an archived item: archiving runs "
                                                        "no checks and archived items can't be edited"
       for n in (8, 11, 12)},
    "webapp.webhooks.service.x__digest__mutmut_3": "another fixed separator between the events' keys: still the same "
                                                   "job id for the same events and another for other events",
    "webapp.webhooks.service.x__prune_now_and_then__mutmut_11": "the hourly marker's value is never read, only "
                                                                "whether it exists",
    "webapp.webhooks.service.x_signature_is_valid__mutmut_22": "Python's codec names are case-insensitive: ASCII "
                                                               "is ascii",
    **{f"webapp.xero.client.xǁLimitsǁupdate__mutmut_{n}": HEADER_CASE for n in (4, 5, 9, 10, 14, 15)},
    "webapp.xero.client.xǁLimitsǁupdate__mutmut_20": "a missing limit header read as XXXX is no more digits than ''",
    **{f"webapp.xero.client.xǁXeroClientǁ_http__mutmut_{n}": HEADER_CASE for n in (3, 4, 6, 8, 9, 15, 16)},
    **{f"webapp.xero.client.xǁXeroClientǁget__mutmut_{n}": HEADER_CASE for n in (5, 6)},
    "webapp.xero.client.xǁXeroClientǁget__mutmut_3": "an If-Modified-Since of None is dropped by requests, as if "
                                                     "never set",
    **{f"webapp.xero.client.xǁXeroClientǁ{name}": "requests upper-cases the method"
       for name in ("post__mutmut_12", "put__mutmut_12", "upload__mutmut_10")},
    **{f"webapp.xero.client.xǁXeroClientǁupload__mutmut_{n}": HEADER_CASE for n in (12, 13)},
    **{f"webapp.xero.client.xǁXeroClientǁrequest__mutmut_{n}": HEADER_CASE for n in (31, 32)},
    "webapp.xero.client.xǁXeroClientǁrequest__mutmut_33": "a missing WWW-Authenticate read as XXXX holds no "
                                                          "insufficient_scope either",
    "webapp.auth.guard.x_init_app__mutmut_7": "login_message is only flashed by Flask-Login without an unauthorized "
                                              "handler, and init_app registers one",
    **{f"webapp.auth.views.x__submitted_email__mutmut_{n}": "any fixed prefix keeps email keys apart from address "
                                                            "keys" for n in (2, 3)},
    "webapp.auth.service.x_open_session__mutmut_1": "every caller (sign-in, embedded launch) passes the browser's "
                                                    "user agent",
    # webapp/xero/limiter.py
    **{f"webapp.xero.limiter.xǁXeroLimiterǁstatus__mutmut_{n}": "Redis reads +INF like +inf" for n in (16, 31)},
    # webapp/xero/oauth.py
    **{f"webapp.xero.oauth.xǁXeroIdentityǁ{name}": HEADER_CASE
       for name in ("_get__mutmut_11", "_get__mutmut_12", "_get__mutmut_14", "_get__mutmut_15",
                    "delete_connection__mutmut_9", "delete_connection__mutmut_10", "organisation_name__mutmut_10")},
    **{f"webapp.xero.oauth.xǁXeroIdentityǁ_session__mutmut_{n}": "requests matches adapter prefixes "
                                                                  "case-insensitively" for n in (23, 32)},
    # jobs/publishing.py
    "jobs.publishing.x__handle__mutmut_1": "only a batch's calls leave first_send out, and a batch's 429 is handled "
                                           "before _handle is called, so the default is never read",
    "jobs.publishing.x__job_waiting__mutmut_8": "the job was fetched from Redis just before: reading its status again "
                                                "gives the same",
    "jobs.publishing.x__job_waiting__mutmut_13": "refresh=None is as false as refresh=False",
    "jobs.publishing.x__settle_finished_runs__mutmut_6": "peewee reads is_null(None) as is_null(False)",
    # webapp/embed/
    **{f"webapp.embed.events.x_publish_outcome__mutmut_{n}": "HTTP header names are case-insensitive (htmx reads "
                                                             "HX-Trigger with getResponseHeader)" for n in (30, 31)},
    **{f"webapp.embed.launch.x_verify__mutmut_{n}": "joserfc's default algorithms (HS256, RS256, ES256) with an oct "
                                                    "key: RS256 and ES256 fail the key type, a JoseError refused as "
                                                    "malformed like an algorithm not allowed" for n in (24, 27)},
    "webapp.embed.launch.x__use_once__mutmut_31": "the used token's marker is only checked for existence (SET NX), "
                                                  "its value never read",
    **{f"webapp.embed.session.x_current_scope__mutmut_{n}": "a missing can_publish read as None withholds publishing "
                                                            "like False: the scope's can_publish is only read by not"
       for n in (25, 27)},
    "webapp.embed.session.xǁEmbedAwareSessionInterfaceǁsave_session__mutmut_7": "a missing from_embed_cookie read as "
                                                                               "None is as false as False",
    **{f"webapp.embed.session.xǁEmbedAwareSessionInterfaceǁget_cookie_samesite__mutmut_{n}":
       "werkzeug title-cases SameSite: none and NONE are written SameSite=None" for n in (4, 5)},
    # webapp/publishing/
    **{f"webapp.publishing.publisher.xǁPublisherǁ_attach__mutmut_{n}": "file names never hold a '/' (an upload "
                                                                      "keeps a path's last part), the one character "
                                                                      "safe='' changes; letters are always safe"
       for n in (10, 11)},
    "webapp.publishing.publisher.xǁPublisherǁ_check_landing_window__mutmut_3": "the wait is wall-clock time in "
                                                                              "microseconds: exactly two minutes "
                                                                              "can't be told from a moment either side",
    **{f"webapp.publishing.service.x__claim__mutmut_{n}": "_new_attempt sets the status to publishing right after, "
                                                         "in the same transaction" for n in (3, 4)},
    "webapp.publishing.contacts.x_create_in_xero__mutmut_2": "publishing's checks fail an item without a supplier "
                                                             "or customer first, so no None comes: `or` then only "
                                                             "adds contacts Xero has, which are left as they are",
    "webapp.publishing.contacts.x_create_in_xero__mutmut_7": "reading every contact instead of the waiting ones "
                                                             "finds the same rows by id",
    **{f"webapp.publishing.contacts.x__create__mutmut_{n}": "another fixed prefix or separator in the "
                                                           "Idempotency-Key's digest: still the same key for the same "
                                                           "contacts and another for others" for n in (4, 5, 7)},
    # webapp/items/tax_components.py
    **{f"webapp.items.tax_components.{name}": "a sum of Decimals from 0 or from Decimal(0) is the same Decimal, and "
                                              "0 with a Decimal added, taken away or multiplied is a Decimal"
       for name in ("x__combined__mutmut_19", "x_of__mutmut_23", "x_split_total__mutmut_7")},
    "webapp.items.tax_components.x_total_of__mutmut_7": "a rate shown by components has two or more, so the sum of "
                                                        "their Decimal amounts is never empty",
    **{f"webapp.items.tax_components.x_stored__mutmut_{n}": "the stored JSON is only compared with one made from "
                                                           "its own reading, which keeps its order of names"
       for n in (4, 6, 7)},
}

KILLED = {"killed", "timeout", "caught by type check"}
TARGET = 90.0  # % of the non-equivalent mutants killed, in each module
OUTCOMES = ("killed", "survived", "no tests", "other", "equivalent")  # columns of the table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", default=",".join(MODULES), help="comma separated, from: " + ", ".join(MODULES))
    parser.add_argument("--backends", default="sqlite,postgres", help="passed to pytest")
    parser.add_argument("--show-survivors", action="store_true", help="print each surviving mutant's diff")
    args = parser.parse_args(argv)
    modules = args.modules.split(",")
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown modules: {', '.join(unknown)}")

    print(f"Mutation testing (mutmut), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}")
    print(f"Backends: {args.backends}; one mutant at a time\n", flush=True)
    rows = [("module", "mutants", *OUTCOMES, "score", "target", "wall s")]
    failed = False
    for module in modules:
        start = time.perf_counter()
        results = _run(module, MODULES[module], args.backends, args.show_survivors)
        wall = f"{time.perf_counter() - start:.0f}"
        if results is None:
            failed = True
            rows.append((module, "-", "-", "-", "-", "-", "-", "-", "WRONG: mutmut failed", wall))
            continue
        count = Counter(_outcome(name, status) for name, status in results.items())
        score = 100 * count["killed"] / (len(results) - count["equivalent"] or 1)
        rows.append((module, str(len(results)), *(str(count[o]) for o in OUTCOMES), f"{score:.1f}%",
                     "pass" if score >= TARGET else "MISSED", wall))
    print(text_table(rows, numeric={1, 2, 3, 4, 5, 6, 7, 9}))
    print(f"score = killed (timeouts included) / (mutants - equivalent), target {TARGET:.0f}%; "
          "other = suspicious, segfault, skipped")
    return 1 if failed else 0


def _outcome(name: str, status: str) -> str:
    if status == "timeout" and name in EQUIVALENT:  # a slow machine, not a test, stopped it
        return "equivalent"
    if status in KILLED:
        return "killed"
    if name in EQUIVALENT:
        return "equivalent"
    return status if status in OUTCOMES else "other"


def _run(module: str, tests: list[str], backends: str, show: bool) -> dict[str, str] | None:
    """mutmut over one module in a temporary copy of the worktree: {mutant name: status}."""
    with tempfile.TemporaryDirectory(prefix="docket-mutation-") as tmp:
        copy = Path(tmp) / "docket"
        _copy_worktree(copy)
        only = module + "*" if module.endswith("/") else module
        with open(copy / "pyproject.toml", "a") as f:
            f.write("\n[tool.mutmut]\n"
                    f'source_paths = ["webapp", "jobs"]\nonly_mutate = ["{only}"]\n'
                    'also_copy = ["templates", "static", "xero_sandbox", "portal_demo"]\n'
                    f"pytest_add_cli_args = {json.dumps(['-p', 'no:cacheprovider', '--backends', backends])}\n"
                    f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n")
        mutmut = [sys.executable, "-m", "mutmut"]
        run = subprocess.run(mutmut + ["run", "--max-children", "1"], cwd=copy, capture_output=True, text=True,
                             env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        results = {}
        for meta in (copy / "mutants").rglob("*.meta"):
            results.update({name: status_by_exit_code[code]
                            for name, code in json.loads(meta.read_text())["exit_code_by_key"].items()})
        if run.returncode != 0 or not results:
            print(f"{module}: mutmut run failed (exit {run.returncode})\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
            return None
        survivors = sorted(name for name, status in results.items() if status not in KILLED)
        for name in survivors:
            note = f"equivalent: {EQUIVALENT[name]}" if name in EQUIVALENT else results[name]
            print(f"{module}: {name} ({note})")
            if show and name not in EQUIVALENT:
                print(subprocess.run(mutmut + ["show", name], cwd=copy, capture_output=True, text=True).stdout)
        sys.stdout.flush()
        return results


def _copy_worktree(target: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


if __name__ == "__main__":
    sys.exit(main())
