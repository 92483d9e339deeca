"""Run the sandbox: `python -m xero_sandbox --port N [--host 127.0.0.1] [--database PATH]`."""
import argparse

from werkzeug.serving import run_simple

from xero_sandbox import create_app
from xero_sandbox.config import load_config


def main(argv=None) -> None:
    """Parse the command line, build the app and serve it with a threaded WSGI server."""
    parser = argparse.ArgumentParser(prog="python -m xero_sandbox", description="Local Xero emulator.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--database", help="SQLite file (default: SANDBOX_DATABASE)")
    args = parser.parse_args(argv)
    url = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{args.port}"
    overrides = {"SANDBOX_PUBLIC_URL": load_config()["SANDBOX_PUBLIC_URL"] or url}
    if args.database:
        overrides["SANDBOX_DATABASE"] = args.database
    app = create_app(overrides)
    print(f"Xero sandbox on {url} (operator: {url}/operator/, database: {app.config['SANDBOX_DATABASE']})",
          flush=True)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
