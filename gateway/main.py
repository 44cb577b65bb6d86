"""The gateway app: web widget and kiosk (routes.web, routes.staff), phone webhooks (routes.phone), audio (routes.audio)."""
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.routes import audio, phone, staff, web


def create_app() -> FastAPI:
    app = FastAPI(title="Anxin gateway")
    app.include_router(web.router)
    app.include_router(staff.router)
    app.include_router(phone.router)
    app.include_router(audio.router)
    # The widget's and kiosk's own CSS/JS: same origin as the API, nothing from a CDN.
    app.mount("/static", StaticFiles(directory=web.WEB_DIR), name="static")
    return app


app = create_app()
