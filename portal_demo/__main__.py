"""Run the demo portal: `python -m portal_demo --port 8002 [--host 127.0.0.1]` (PORTAL_DEMO_* from the env)."""
import argparse

from werkzeug.serving import run_simple

from portal_demo import create_app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m portal_demo", description="A practice portal embedding Docket.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    app = create_app()
    if not app.config["PORTAL_KEY"]:
        parser.error("PORTAL_DEMO_KEY must be set (make run sets it, with Docket's EMBED_PORTALS to match).")
    # Reached as localhost, another site than Docket's 127.0.0.1, so Docket's cookies really are third-party.
    print(f"Demo portal on http://localhost:{args.port}/ embedding {app.config['DOCKET_URL']}", flush=True)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
