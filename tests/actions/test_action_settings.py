"""The Rasa environment's settings (actions/settings.py, issue 15): defaults, one-line errors naming the
variable, a fresh section when a variable changes, and the start-up line with the secrets masked."""
from __future__ import annotations

import dataclasses
import logging

import pytest

from actions import backend_client, withdrawal
from actions.settings import ActionSettings, get_settings, log_startup
from rules.settings import SettingsError


def test_defaults() -> None:
    settings = ActionSettings.from_env({})
    assert settings.backend_url == "http://127.0.0.1:8000"
    assert settings.early_withdrawal_near_days == 30
    assert settings.rasa_tracker_db is None and settings.rasa_tracker_prune_days is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.backend_url = "http://elsewhere"  # type: ignore[misc]


def test_values_are_read_and_tidied() -> None:
    settings = ActionSettings.from_env({"ANXIN_BACKEND_URL": "http://10.0.0.5:8000/ ",
                                        "ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS": "7",
                                        "ANXIN_RASA_TRACKER_PRUNE_DAYS": "0.5"})
    assert (settings.backend_url, settings.early_withdrawal_near_days) == ("http://10.0.0.5:8000", 7)
    assert settings.rasa_tracker_prune_days == 0.5


@pytest.mark.parametrize(("name", "value"), [
    ("ANXIN_BACKEND_URL", "10.0.0.5:8000"),
    ("ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS", "-1"),
    ("ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS", "a month"),
    ("ANXIN_RASA_TRACKER_PRUNE_DAYS", "nan"),
])
def test_an_unusable_value_is_one_sentence_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        ActionSettings.from_env({name: value})
    assert str(caught.value).startswith(f"{name}: must be ") and value in str(caught.value)


def test_the_actions_read_the_section_and_see_a_changed_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANXIN_BACKEND_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS", "12")
    assert backend_client.backend_url() == "http://127.0.0.1:9" and withdrawal.near_days() == 12
    monkeypatch.setenv("ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS", "oops")
    assert withdrawal.near_days() == withdrawal.DEFAULT_NEAR_DAYS  # the dialogue goes on with the default


def test_the_start_up_line_masks_the_secrets(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("ANXIN_ACTIONS_SECRET", "actions-secret-value-0123456789-abcdef")
    monkeypatch.setenv("ANXIN_RASA_TOKEN", "rasa-token-value-0123456789-abcdefgh")
    with caplog.at_level(logging.INFO, logger="anxin.actions.settings"):
        line = log_startup("actions")
    assert line in caplog.text and line.startswith("anxin actions settings: actions(")
    assert "actions-secret-value" not in line and "rasa-token-value" not in line
    assert "actions_secret=***" in line and f"backend_url={get_settings().backend_url}" in line
