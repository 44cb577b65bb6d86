"""Gateway settings, from environment variables (prefix ANXIN_) with embedded defaults."""
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

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


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()


def require_service_secrets() -> None:
    """First thing of a starting gateway service (`uvicorn gateway.main:app`, cluster.gateway_app): its secrets
    (ANXIN_TWILIO_AUTH_TOKEN) checked by rules.secrets, or made in demo mode, and exported into the environment;
    one line on stderr and exit 2 when they are unusable. The settings read after it see the chosen values."""
    from backend.core import log_redaction  # the one redacting log filter of every service (stdlib + rules)
    from gateway import calls
    from rules import secrets

    log_redaction.install()
    secrets.require("gateway")
    get_settings.cache_clear()
    calls.get_phone_settings.cache_clear()
