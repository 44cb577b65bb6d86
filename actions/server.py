"""The action server: `python -m actions.server --port 5055` (Procfile, tests/support/stack.py, cluster).

rasa-sdk 3.6's own server (`rasa run actions`) listens on 0.0.0.0 (SANIC_HOST), has no authentication option
and answers a failing action with 500 and the whole request echoed back (the tracker, the customer's token in
its metadata), which Rasa then logs at ERROR. This launcher runs the same Sanic app of rasa-sdk, and:

- binds 127.0.0.1 unless told otherwise (`--host`, for an action tier on its own network);
- refuses every request but GET /health without header X-Anxin-Actions-Secret equal to ANXIN_ACTIONS_SECRET
  (compared in constant time); Rasa sends it (assistant/endpoints.yml, action_endpoint.headers);
- answers an exception with a plain 500 that carries nothing of the request;
- refuses to start without a usable secret outside demo mode (rules.secrets), and redacts its logs.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `rules` is a top-level package of this checkout
    sys.path.insert(0, str(ROOT))

from backend.core import log_redaction  # noqa: E402  (standard library + rules only)
from rules import secrets  # noqa: E402

log = logging.getLogger("anxin.actions.server")
OPEN_PATHS = frozenset({"/health"})  # the load balancer's and the test stack's readiness probe


def create_app(secret: str, actions_package: str = "actions", cors_origins: Any = None) -> Any:
    """rasa-sdk's app with the secret check in front and a 500 that does not echo the request."""
    from rasa_sdk.endpoint import create_app as sdk_create_app
    from sanic import response

    app = sdk_create_app(actions_package, cors_origins=cors_origins or "")
    expected = secret.encode()

    @app.middleware("request")
    async def require_secret(request: Any) -> Any:
        if request.method == "GET" and request.path in OPEN_PATHS:
            return None
        provided = request.headers.get(secrets.ACTIONS_SECRET_HEADER, "").encode()
        if not hmac.compare_digest(provided, expected):
            log.warning("refused an action request without the right %s (%s %s)",
                        secrets.ACTIONS_SECRET_HEADER, request.method, request.path)
            return response.json({"error": "NOT_AUTHENTICATED"}, status=401)
        return None

    async def plain_error(request: Any, exception: Exception) -> Any:
        # Not the request body: it holds the tracker and the customer's token (see the module docstring).
        log.error("action request failed: %s", type(exception).__name__, exc_info=exception)
        status = getattr(exception, "status_code", 500)
        return response.json({"error": "ACTION_FAILED"}, status=status if 400 <= status < 600 else 500)

    app.error_handler.add(Exception, plain_error)
    from actions.backend_client import close_sessions  # the actions' one pool to the backend (issue 14)

    app.register_listener(close_sessions, "after_server_stop")
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Anxin's action server (rasa-sdk, loopback, shared secret)")
    parser.add_argument("--port", "-p", type=int, default=5055)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)

    log_redaction.install()
    chosen = secrets.require("actions")
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from actions.settings import log_startup
    from rules.settings import SettingsError, refuse

    try:
        log_startup("actions")  # the action server's settings, once, secrets masked
    except SettingsError as exc:
        refuse("actions", exc)

    from rasa_sdk import utils
    from rasa_sdk.plugin import plugin_manager

    utils.update_sanic_log_level()
    app = create_app(chosen[secrets.ACTIONS_SECRET], args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    log.info("action server on http://%s:%s (requests need %s)", args.host, args.port, secrets.ACTIONS_SECRET_HEADER)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
