"""Gateway settings, from environment variables (prefix ANXIN_) with embedded defaults."""
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=".env", extra="ignore")

    backend_url: str = "http://127.0.0.1:8000"
    rasa_url: str = "http://127.0.0.1:5005"
    gateway_url: str = "http://127.0.0.1:8080"
    # Seconds the gateway waits for Rasa before apologising to the user.
    rasa_timeout_s: float = 10.0


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
