"""The gateway's settings: one object per process (`get_process_settings`) of three sections, "web" (this
module's GatewaySettings and WebSettings), "phone" (PhoneSettings) and "voice" (voice/config.py), each read from
the environment (prefix ANXIN_), then the checkout's .env, with embedded defaults (README "Configuration"). A
starting gateway logs them once, secrets masked.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rules.settings import SettingsError, build, env_cached, log_settings, refuse

if TYPE_CHECKING:
    from voice.config import VoiceSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
# Twilio's test credentials are public anyway; this one only guards local demos. Set a real one in production.
DEV_TWILIO_AUTH_TOKEN = "anxin-dev-twilio-auth-token"


class GatewaySettings(BaseSettings):
    # The environment first, then the checkout's .env, as the backend (not the current directory's .env).
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=REPO_ROOT / ".env", extra="ignore")

    backend_url: str = "http://127.0.0.1:8000"
    rasa_url: str = "http://127.0.0.1:5005"
    gateway_url: str = "http://127.0.0.1:8080"
    # Seconds the gateway waits for Rasa before apologising to the user.
    rasa_timeout_s: float = 10.0
    # H7 (web/kiosk): the call-a-person route a fraud stop shows on the web. A demo placeholder: set the
    # bank's real service number.
    bank_phone: str = "400-000-0000"
    # Origins (space or comma separated, e.g. "https://www.example.cn") that may frame the chat page (the
    # embed). Empty: no site may frame any page ('none').
    frame_ancestors: str = ""
    # Origins besides the gateway's own that may POST to /api (a proxy's public origin). Empty: same origin only.
    web_origins: str = ""
    # ANXIN_DEMO=1 (`make run`): cookies may go without Secure over plain http on the demo's loopback.
    demo: bool = False
    # ANXIN_PROXY_SECRET, shared with the backend: sent as X-Anxin-Proxy-Secret so the backend believes the
    # gateway's X-Forwarded-For / X-Anxin-Caller (on one host every local process shares the loopback address).
    proxy_secret: str = ""
    # Proxies in front of the gateway (nginx in the cluster profile; IPs or CIDRs, comma-separated) whose
    # X-Forwarded-For names the customer's address. Empty: the connecting peer is the customer. uvicorn runs
    # with --no-proxy-headers so that the gateway alone decides this.
    gateway_trusted_proxies: str = ""
    # Web and kiosk sessions, transcripts and phone calls shared by every gateway instance (cluster/gateway_app.py):
    # redis://[:password@]host:port[/db] or redis+sentinel://host:26379[,host2:26379]/<master>. Empty: in memory.
    redis_url: str = ""


class WebSettings(BaseSettings):
    """Timeouts of the widget and kiosk (env: ANXIN_WEB_IDLE_TIMEOUT_S, ANXIN_KIOSK_IDLE_TIMEOUT_S, ...)."""

    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=REPO_ROOT / ".env", extra="ignore")

    # A signed-in web customer is signed out after this much inactivity (after a visible countdown).
    web_idle_timeout_s: int = 600
    # A kiosk customer's session clears after this much inactivity: the next person must not see it.
    kiosk_idle_timeout_s: int = 120
    # The countdown shows this long before the end (WCAG 2.2.1 asks for >= 20 s warning).
    session_warn_s: int = 30
    # A staff member's kiosk station stays signed in for a working day at most.
    staff_session_s: int = 8 * 3600
    # Times on receipts and in the staff panel: the customers' clock, not the server's.
    display_tz: str = "Asia/Shanghai"
    # The session cookie carries Secure (never sent in clear) unless this says false; unset: Secure everywhere
    # except demo mode (ANXIN_DEMO=1, plain http on loopback).
    cookie_secure: bool | None = None


class PhoneSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=REPO_ROOT / ".env", extra="ignore")

    twilio_auth_token: str = DEV_TWILIO_AUTH_TOKEN
    # The base URL Twilio calls (e.g. https://anxin.example.cn). Empty: the request's own URL, read through
    # X-Forwarded-Proto/Host when twilio_trust_forwarded is on (only behind a proxy that sets them).
    phone_public_url: str = ""
    twilio_trust_forwarded: bool = False
    # E.164 number of the staff line for <Dial>; empty: the line apologises that nobody is there.
    staff_phone: str = ""
    gather_timeout_s: int = Field(default=8, ge=3, le=30)  # older callers need time to start
    pin_timeout_s: int = Field(default=12, ge=5, le=30)
    # Seconds of silence that end an utterance. Not "auto": older callers pause mid-sentence.
    speech_end_s: int = Field(default=2, ge=1, le=10)
    dial_timeout_s: int = Field(default=30, ge=5, le=120)
    max_pin_failures: int = Field(default=3, ge=1, le=10)
    call_ttl_s: int = Field(default=4 * 3600, ge=60)


@env_cached
def get_settings() -> GatewaySettings:
    return build(GatewaySettings)


@env_cached
def get_web_settings() -> WebSettings:
    return build(WebSettings)


@env_cached
def get_phone_settings() -> PhoneSettings:
    return build(PhoneSettings)


@dataclass(frozen=True)
class GatewayProcessSettings:
    """Everything a gateway process is configured with, by section."""

    web: GatewaySettings
    sessions: WebSettings
    phone: PhoneSettings
    voice: VoiceSettings

    def sections(self) -> dict[str, dict[str, Any]]:
        return {"web": {**self.web.model_dump(), **self.sessions.model_dump()},
                "phone": self.phone.model_dump(), "voice": self.voice.model_dump()}


def get_process_settings() -> GatewayProcessSettings:
    """The sections as their own getters keep them (each rebuilt only when an ANXIN_* variable changed)."""
    from voice.config import get_voice_settings

    return GatewayProcessSettings(web=get_settings(), sessions=get_web_settings(), phone=get_phone_settings(),
                                  voice=get_voice_settings())


def log_startup(settings: GatewayProcessSettings) -> str:
    """The gateway's one start-up line: every setting, secrets masked."""
    return log_settings(logging.getLogger("anxin.gateway.settings"), "gateway", settings.sections())


def require_service_secrets() -> None:
    """First thing of a starting gateway service (`uvicorn gateway.main:app`, cluster.gateway_app): its secrets
    (ANXIN_TWILIO_AUTH_TOKEN) checked by rules.secrets, or made in demo mode, and exported into the environment;
    one line on stderr and exit 2 when they are unusable. The settings read after it see the chosen values."""
    from backend.core import log_redaction  # the one redacting log filter of every service (stdlib + rules)
    from rules import secrets

    log_redaction.install()
    secrets.require("gateway")
    try:
        from voice.config import get_voice_settings

        for getter in (get_settings, get_phone_settings, get_web_settings, get_voice_settings):
            getter.cache_clear()
        settings = get_process_settings()
    except SettingsError as exc:  # every section is built through rules.settings.build
        refuse("gateway", exc)
        raise
    log_startup(settings)
