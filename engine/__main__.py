"""`python -m engine`: the embedded engine with the settings from the environment (see `ipa engine`)."""

from engine.config import EngineSettings
from engine.server import run

if __name__ == "__main__":
    run(EngineSettings())
