"""`python -m backend.events [--port N]`: consume Rasa's conversation events into the database until SIGTERM."""
from __future__ import annotations

import logging
import sys

from backend.events.consumer import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    sys.exit(main())
