"""Custom Rasa NLU components (loaded by module path from assistant/config.yml)."""
