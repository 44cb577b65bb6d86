"""Jobs run by hand: `python -m backend.jobs mature [--now 2027-03-01]` (see __main__.py)."""
