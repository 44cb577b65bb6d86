"""Rules that the dialogue (Rasa actions and NLU, python3.10) and the backend (python3.11) must agree on.

Pure Python, installed in both environments like `money/`: `rules.text` (the normaliser), `rules.fraud` (the one
fraud policy: scam families, pressure markers, the customer-facing warning) and `rules.redact` (digits and
secrets out of texts and logs).
"""
