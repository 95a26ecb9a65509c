"""Node packages the tests run (Camunda's TypeScript SDK, an OpenID provider), installed once from npm at the
version a test folder's package.json pins, into the repo's gitignored `.cache/`."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class NpmPackage:
    #: the folder whose package.json pins the version
    source: Path
    #: where it is installed: .cache/<name>
    cache: Path
    name: str

    @classmethod
    def pinned_in(cls, source: Path, name: str, cache_name: str) -> NpmPackage:
        return cls(source, ROOT / ".cache" / cache_name, name)

    @property
    def pinned_version(self) -> str:
        version: str = json.loads((self.source / "package.json").read_text())["dependencies"][self.name]
        return version

    @property
    def installed_version(self) -> str | None:
        manifest = self.cache / "node_modules" / self.name / "package.json"
        if not manifest.exists():
            return None
        version: str = json.loads(manifest.read_text())["version"]
        return version

    def install(self, purpose: str) -> Path:
        """The cache folder with the pinned version installed; skips the test, saying why, where it cannot be."""
        if shutil.which("node") is None:
            pytest.skip(f"node is not installed, so {purpose} cannot run")
        if self.installed_version == self.pinned_version:
            return self.cache
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(f"npm is not installed, so {purpose} cannot be fetched")
        self.cache.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.source / "package.json", self.cache / "package.json")
        wanted = f"{self.name}@{self.pinned_version}"
        try:
            subprocess.run(
                [npm, "install", "--prefix", str(self.cache), "--no-audit", "--no-fund", "--loglevel=error"],
                check=True,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.CalledProcessError as e:
            pytest.skip(f"could not install {wanted} from npm: {e.stderr.strip()[-500:]}")
        except (subprocess.SubprocessError, OSError) as e:
            pytest.skip(f"could not install {wanted} from npm: {e}")
        if self.installed_version != self.pinned_version:
            pytest.skip(f"npm did not install {wanted} (found {self.installed_version})")
        return self.cache
