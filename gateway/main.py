"""The gateway app: web widget and kiosk (routes.web, routes.staff), phone webhooks (routes.phone), audio (routes.audio)."""
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import http_pool
from gateway.routes import audio, health, ops, phone, staff, web

_SAFE = {"GET", "HEAD", "OPTIONS"}
# Text the browser fetches: the pages, their CSS/JS, the embed script and the JSON API. Not the audio (mp3 does
# not shrink) nor the phone's TwiML.
_TEXT_PATHS = ("/static/", "/api/", "/kiosk", "/chat", "/anxin-widget.js")


class TextGZip:
    """gzip for the text responses only (Starlette's GZipMiddleware, which skips bodies under 500 bytes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=500, compresslevel=9)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == "/" or path.startswith(_TEXT_PATHS):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app() -> FastAPI:
    app = FastAPI(title="Anxin gateway")

    @app.middleware("http")
    async def same_site_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # CSRF: every state-changing call of the pages' JSON API (the phone's /voice is signed by Twilio).
        if request.method not in _SAFE and request.url.path.startswith("/api/"):
            refusal = web.cross_site_refusal(request)
            if refusal is not None:
                return refusal
        return await call_next(request)

    app.include_router(web.router)
    app.include_router(staff.router)
    app.include_router(ops.router)
    app.include_router(phone.router)
    app.include_router(audio.router)
    app.include_router(health.router)
    # The widget's and kiosk's own CSS/JS: same origin as the API, nothing from a CDN.
    # Versioned URLs (?v=<content hash>, written into the pages) are cached for a year.
    app.mount("/static", web.Assets(directory=web.WEB_DIR), name="static")
    app.add_middleware(TextGZip)
    app.router.on_shutdown.append(http_pool.aclose)  # issue 14: the one pool to Rasa and the backend
    return app


def __getattr__(name: str) -> FastAPI:
    """`uvicorn gateway.main:app`: the served app is made on first access, after the secrets are checked
    (gateway.config.require_service_secrets); tests build their apps with create_app()."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from gateway.config import require_service_secrets

    require_service_secrets()
    app = create_app()
    globals()["app"] = app
    return app
