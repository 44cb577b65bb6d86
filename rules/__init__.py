"""Rules that the dialogue (Rasa actions and NLU, python3.10) and the backend (python3.11) must agree on.

Pure Python, installed in both environments like `money/`: `rules.text` (the normaliser), `rules.fraud` (the one
fraud policy: scam families, pressure markers, the customer-facing warning), `rules.redact` (digits and secrets
out of texts and logs, the masks), `rules.speech` (the speech rate's bounds, step, default and parsing),
`rules.accounts` (which account kinds money may leave from), `rules.limits` (the limits' defaults and the two
new-payee windows), `rules.secrets` and `rules.settings` (what every process reads from its environment).
The backend enforces these rules; the dialogue uses them only to stop early and to word things.
"""
