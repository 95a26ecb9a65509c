"""`python -m workers`: the job workers as a service (settings from the environment or `.env`)."""

import asyncio
import logging

from workers.config import WorkerSettings
from workers.service import serve

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(serve(WorkerSettings()))
