"""`python -m engine`: the embedded engine with the settings from the environment (see `ipa engine`)."""

import asyncio

from engine.config import EngineSettings
from engine.server import serve

if __name__ == "__main__":
    asyncio.run(serve(EngineSettings()))
