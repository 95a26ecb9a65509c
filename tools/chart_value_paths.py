#!/usr/bin/env python3
"""Extract the key paths of a Helm chart's values (with its subcharts) into a small YAML skeleton.

tests/deploy/test_helm_values.py checks deploy/helm/values-camunda.yaml against the file this writes,
tests/deploy/data/camunda-platform-8.8-value-paths.yaml, because the tests cannot fetch the chart.
(The vendored file names the commit it came from.)

Usage, from a checkout of https://github.com/camunda/camunda-platform-helm at a release commit:

    tools/chart_value_paths.py ~/src/camunda-platform-helm/charts/camunda-platform-8.8 \\
        > tests/deploy/data/camunda-platform-8.8-value-paths.yaml

or straight from a (bare) clone, without a work tree:

    tools/chart_value_paths.py --git-dir camunda-platform-helm.git --ref <commit> charts/camunda-platform-8.8 \\
        > tests/deploy/data/camunda-platform-8.8-value-paths.yaml

A release's commit is the one titled "chore(release): Camunda Platform Helm Chart <version> - Camunda 8.8":
    git log --format='%H %s' -- charts/camunda-platform-8.8/Chart.yaml

Only key names and types are extracted, no values or comments of the chart:
- every key of the chart's values.yaml, and of each subchart's values.yaml under its alias (the subcharts named
  in Chart.yaml, from `file://` repositories or the chart's charts/ directory, recursively; library charts have
  no values). A subchart's `global.*` keys count as the parent's too, because Helm passes `global` down;
- a leaf's value is the JSON type the chart's values.schema.json requires for it ("any" when the schema says
  nothing); Helm refuses a value of another type;
- "*" marks a free-form map, whose keys are the user's: annotations, labels, resources, affinity, security
  contexts, maps that default to `{}` and maps whose keys hold dots or slashes;
- " deprecated" is appended where values.yaml documents the key as `@param <path> (DEPRECATED ...`.
Lists are leaves: their items are not described.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

# Kubernetes structures (and maps of names) that the charts pass through as they are
FREE_FORM = {
    "annotations",
    "labels",
    "podAnnotations",
    "podLabels",
    "commonAnnotations",
    "commonLabels",
    "nodeSelector",
    "affinity",
    "podSecurityContext",
    "containerSecurityContext",
    "securityContext",
    "resources",
    "dnsConfig",
    "extraConfig",
    "pvcSelector",
    "defaultRoles",  # orchestration.security.initialization: role ID -> users, clients, mapping rules
}

Key = tuple[str, ...]
Reader = Callable[[str], str | None]


class Paths:
    def __init__(self) -> None:
        self.paths: set[Key] = set()
        self.open: set[Key] = set()
        self.types: dict[Key, set[str]] = {}
        self.deprecated: set[Key] = set()

    def add_values(self, values: Any, prefix: Key = ()) -> None:
        if not isinstance(values, dict):
            return
        for key, value in values.items():
            path = (*prefix, str(key))
            self.paths.add(path)
            if isinstance(value, dict):
                if str(key) in FREE_FORM or not value or any(re.search(r"[./]", str(k)) for k in value):
                    self.open.add(path)
                else:
                    self.add_values(value, path)
            elif value is None and str(key) in FREE_FORM:
                self.open.add(path)

    def add_schema(self, node: Any, prefix: Key = ()) -> None:
        for key, sub in ((node or {}).get("properties") or {}).items():
            path = (*prefix, key)
            if not isinstance(sub, dict):
                continue
            if sub.get("properties"):
                self.add_schema(sub, path)
                continue
            kind = sub.get("type")
            kinds = [kind] if isinstance(kind, str) else list(kind or [])
            if kinds and path in self.paths and path not in self.open:
                self.types.setdefault(path, set()).update(kinds)

    def add_deprecated(self, values_text: str) -> None:
        for m in re.finditer(r"@param\s+(\S+)\s+(?:\[[^\]]*\]\s*)?\(DEPRECATED", values_text):
            path = tuple(m.group(1).split("."))
            if path in self.paths:
                self.deprecated.add(path)

    def mount(self, sub: Paths, name: str) -> None:
        """Add a subchart's keys under its name; its global.* keys also as this chart's."""
        for attr in ("paths", "open", "deprecated"):
            mine = getattr(self, attr)
            for p in getattr(sub, attr):
                mine.add((name, *p))
                if p[0] == "global":
                    mine.add(p)
        for p, kinds in sub.types.items():
            self.types.setdefault((name, *p), set()).update(kinds)
            if p[0] == "global":
                self.types.setdefault(p, set()).update(kinds)

    def skeleton(self) -> dict[str, Any]:
        tree: dict[str, Any] = {}
        for path in sorted(self.paths):
            if any(path[:i] in self.open for i in range(1, len(path))):
                continue  # below a free-form map
            if path not in self.open and any(p[: len(path)] == path and p != path for p in self.paths):
                continue  # an inner map: its leaves say it
            node = tree
            for segment in path[:-1]:
                node = node.setdefault(segment, {})
            leaf = "*" if path in self.open else "|".join(sorted(self.types.get(path, {"any"})))
            node[path[-1]] = leaf + (" deprecated" if path in self.deprecated else "")
        return tree


def load_chart(
    read: Reader, chart_dir: str, paths: Paths, charts: list[str], mount: str = ""
) -> dict[str, Any]:
    """Add the chart's keys (and its subcharts') to paths; charts gets "mount = name version" for each."""
    chart = yaml.safe_load(read(posixpath.join(chart_dir, "Chart.yaml")) or "") or {}
    if chart.get("type") == "library":
        return chart
    charts.append(f"{mount or '(top)'} = {chart.get('name')} {chart.get('version')}")
    values_text = read(posixpath.join(chart_dir, "values.yaml")) or ""
    paths.add_values(yaml.safe_load(values_text) or {})
    schema_text = read(posixpath.join(chart_dir, "values.schema.json"))
    if schema_text:
        paths.add_schema(json.loads(schema_text))
    paths.add_deprecated(values_text)
    for dep in chart.get("dependencies") or []:
        name = dep.get("alias") or dep["name"]
        repository = str(dep.get("repository", ""))
        if repository.startswith("file://"):
            sub_dir = posixpath.normpath(posixpath.join(chart_dir, repository[len("file://") :]))
        else:
            sub_dir = posixpath.join(chart_dir, "charts", dep["name"])
        if read(posixpath.join(sub_dir, "Chart.yaml")) is None:
            print(f"warning: subchart {name} ({repository}) not found at {sub_dir}", file=sys.stderr)
            continue
        sub = Paths()
        load_chart(read, sub_dir, sub, charts, f"{mount}.{name}" if mount else name)
        paths.mount(sub, name)
    return chart


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("chart", help="the chart directory (with --git-dir: its path in the repository)")
    parser.add_argument("--git-dir", help="read the files from this git repository (bare is fine) at --ref")
    parser.add_argument("--ref", default="HEAD")
    args = parser.parse_args(argv)

    read: Reader
    if args.git_dir:
        git = ["git", "--git-dir", args.git_dir]
        rev = subprocess.run(
            [*git, "rev-parse", f"{args.ref}^{{commit}}"], capture_output=True, text=True, check=True
        )
        commit = rev.stdout.strip()

        def read(path: str) -> str | None:
            done = subprocess.run([*git, "show", f"{commit}:{path}"], capture_output=True, text=True)
            return done.stdout if done.returncode == 0 else None

        chart_dir = where = posixpath.normpath(args.chart)
    else:
        root = Path(args.chart).resolve()
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
        commit = rev.stdout.strip() if rev.returncode == 0 else "unknown (not a git checkout)"
        if rev.returncode == 0:
            top = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            changed = subprocess.run(
                ["git", "-C", top, "status", "--porcelain", "charts"], capture_output=True, text=True
            ).stdout.strip()
            if changed:
                commit += " (with local changes)"
            where = str(root.relative_to(top))
        else:
            where = str(root)

        def read(path: str) -> str | None:
            file = Path(path)
            return file.read_text() if file.is_file() else None

        chart_dir = str(root)

    paths = Paths()
    charts: list[str] = []
    chart = load_chart(read, chart_dir, paths, charts)
    header = [
        f"# The keys of the values of Camunda's Helm chart {chart['name']} {chart['version']}"
        f" (Camunda {chart.get('appVersion')}) and its subcharts,",
        '# as a skeleton: leaves hold the JSON type the chart\'s schema requires (any: not fixed), "*" marks a',
        '# free-form map, "deprecated" a key documented as deprecated. Lists are leaves.',
        "# Source: https://github.com/camunda/camunda-platform-helm",
        f"#   {where} at commit {commit}",
        "# The source is licensed under the Apache License 2.0 (the Camunda chart and the Bitnami subcharts it",
        "# bundles). Only key names and types are kept here; see the chart for its values and documentation.",
        "# Generated by tools/chart_value_paths.py (its docstring says how to regenerate); do not edit by hand.",
        f"# chart: {chart['name']} {chart['version']}",
        f"# commit: {commit}",
        *(f"# subchart: {c}" for c in charts[1:]),
    ]
    body = yaml.safe_dump(paths.skeleton(), sort_keys=True, default_flow_style=False, width=1000)
    sys.stdout.write("\n".join(header) + "\n" + body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
