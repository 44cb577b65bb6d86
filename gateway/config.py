"""The gateway's settings: one object per process (`get_process_settings`) of three sections, "web" (this
module's GatewaySettings and gateway/sessions.py's WebSettings), "phone" (gateway/calls.py's PhoneSettings) and
"voice" (voice/config.py), each read from the environment (prefix ANXIN_), then the checkout's .env, with
embedded defaults (README "Configuration"). A starting gateway logs them once, secrets masked.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from rules.settings import SettingsError, build, env_cached, log_settings, refuse

if TYPE_CHECKING:
    from gateway.calls import PhoneSettings
    from gateway.sessions import WebSettings
    from voice.config import VoiceSettings

REPO_ROOT = Path(__file__).resolve().parents[1]


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


@env_cached
def get_settings() -> GatewaySettings:
    return build(GatewaySettings)


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
    from gateway.calls import get_phone_settings
    from gateway.sessions import get_web_settings
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
        # gateway.calls reads its section on import: inside the try, so a bad value is one line too.
        from gateway import calls, sessions
        from voice.config import get_voice_settings

        for getter in (get_settings, calls.get_phone_settings, sessions.get_web_settings, get_voice_settings):
            getter.cache_clear()
        settings = get_process_settings()
    except (SettingsError, ValueError) as exc:  # sessions' and phone's own getters raise pydantic's error
        refuse("gateway", exc if isinstance(exc, SettingsError) else _explained(exc))
        raise
    log_startup(settings)


def _explained(exc: ValueError) -> SettingsError:
    from rules.settings import explain

    errors = getattr(exc, "errors", None)
    return SettingsError(explain(errors()) if callable(errors) else str(exc))
