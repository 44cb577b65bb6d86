"""One fix to Rasa 3.6's server for speed: validate action-server answers without re-checking the schema.

RemoteAction checks every answer of the action server with `jsonschema.validate(answer, schema)`, and that
function first validates the schema itself against the JSON-Schema meta-schema. Measured here (cProfile,
bench/bench_assistant.py) that was about 45 ms of every turn that runs a custom action, more than NLU,
policies and the action itself together. The answer is still validated against the same schema, with the
same error; only the constant schema is checked once instead of on every call.

Installed by importing this module; the server's custom parts (assistant.channels, assistant.nlg) import
it, so it is in place whenever `rasa run` uses Anxin's credentials or endpoints.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _answer_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _answer_validator().validate(result)
    except jsonschema.ValidationError as error:
        # Same message as Rasa's own check.
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
