"""Jobs run by hand: `python -m backend.jobs mature|settle|payroll ...` (see __main__.py)."""
