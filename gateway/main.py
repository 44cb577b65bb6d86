"""The gateway app: web widget and kiosk (routes.web), phone webhooks (routes.phone), audio (routes.audio)."""
from fastapi import FastAPI

from gateway.routes import audio, phone, web


def create_app() -> FastAPI:
    app = FastAPI(title="Anxin gateway")
    app.include_router(web.router)
    app.include_router(phone.router)
    app.include_router(audio.router)
    return app


app = create_app()
