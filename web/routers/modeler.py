"""The Modeler for process owners: edit `bpmn/`, `dmn/` and `forms/` in the browser, lint, deploy, see versions.

Pages
    GET  /modeler                         camunda-bpmn-js (Camunda 8 modeler + properties panel), dmn-js, form-js editor
    GET  /modeler/diagram/{processId}     bpmn-js viewer with Operate-style badges (active / incidents per element)

JSON (all for role `process-owner`; the diagram's data for managers too)
    GET  /api/modeler/files                       the editable files
    GET  /api/modeler/files/{folder}/{name}       content + sha256 (the save's concurrency check)
    PUT  /api/modeler/files/{folder}/{name}       save: well-formed XML / a form schema, refused (409) if the file
                                                  changed since it was loaded
    POST /api/modeler/lint                        bpmnlint, Camunda 8.8 rules, server-side (node + the vendored bundle)
    POST /api/modeler/deploy                      lint (BPMN), then `POST /v2/deployments` with the saved file
    GET  /api/modeler/versions/{processId}        deployed versions and which version each running case uses
    GET  /api/modeler/diagram/{processId}         XML of a version + element counts for the viewer

Linting: the page lints the diagram as it is being edited with the vendored bundle
`static/vendor/bpmnlint/bpmnlint-camunda.min.js` (bpmnlint + bpmnlint-plugin-camunda-compat `camunda-cloud-8-8`,
built by `tools/vendor.sh`). The server runs the same bundle under `node` before it deploys, so a page that skips
the check cannot deploy a diagram with errors; without `node` on the PATH the server relies on the engine's own
validation at deployment and says so in its answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from web import auth
from web.auth import Csrf, CurrentUser, User
from web.camunda import Camunda, CamundaError
from web.deps import render

PROCESS_OWNER = "process-owner"
ROOT = Path(__file__).resolve().parents[2]
LINT_BUNDLE = (
    Path(__file__).resolve().parents[1] / "static" / "vendor" / "bpmnlint" / "bpmnlint-camunda.min.js"
)
#: folder -> file suffix; nothing else is readable or writable through these endpoints
FOLDERS = {"bpmn": ".bpmn", "dmn": ".dmn", "forms": ".form"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
MAX_BYTES = 5 * 1024 * 1024
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NS = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/")

JSON = dict[str, Any]


def _role_guard(role: str) -> Callable[..., Any]:
    """`web.auth.require_role(role)` where the app has it; otherwise the signed-in user must hold the role."""
    shared = getattr(auth, "require_role", None)
    if shared is not None:
        return shared(role)

    def require(user: CurrentUser) -> User:
        if role not in user.roles:
            raise HTTPException(403, f"This is for the role '{role}'.")
        return user

    return require


ProcessOwner = Annotated[User, Depends(_role_guard(PROCESS_OWNER))]


def require_owner_or_manager(user: CurrentUser) -> User:
    if PROCESS_OWNER not in user.roles and not user.is_manager:
        raise HTTPException(403, "This is for process owners and managers.")
    return user


OwnerOrManager = Annotated[User, Depends(require_owner_or_manager)]

router = APIRouter(tags=["modeler"])


# -- where the models live ---------------------------------------------------------------------------------------
def models_root(request: Request) -> Path:
    """`app.state.models_dir`, else $IPA_MODELS_DIR, else the repository (its bpmn/, dmn/ and forms/)."""
    configured = getattr(request.app.state, "models_dir", None) or os.environ.get("IPA_MODELS_DIR")
    return Path(configured) if configured else ROOT


def _camunda(request: Request) -> Camunda:
    camunda: Camunda = request.app.state.camunda
    return camunda


def _model_path(request: Request, folder: str, name: str) -> Path:
    suffix = FOLDERS.get(folder)
    if suffix is None or not NAME.match(name) or not name.endswith(suffix):
        raise HTTPException(404, "No such model file.")
    return models_root(request) / folder / name


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _kind(folder: str) -> str:
    return {"bpmn": "bpmn", "dmn": "dmn", "forms": "form"}[folder]


def _process_ids(xml: bytes) -> list[str]:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return []
    return [p.get("id", "") for p in root.findall(f"{{{BPMN_NS}}}process") if p.get("isExecutable") == "true"]


def check_content(folder: str, content: str) -> None:
    """Refuse what no editor here produces: malformed XML, a DOCTYPE, the wrong root, a form without components."""
    if len(content.encode()) > MAX_BYTES:
        raise HTTPException(413, "The file is larger than 5 MB.")
    if folder == "forms":
        try:
            schema = json.loads(content)
        except ValueError as e:
            raise HTTPException(422, f"The form is not JSON: {e}") from None
        if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
            raise HTTPException(422, "A form schema is a JSON object with a 'components' list.")
        return
    if "<!DOCTYPE" in content.upper():
        raise HTTPException(422, "A model file must not contain a DOCTYPE.")
    try:
        root = ET.fromstring(content)
    except ET.ParseError as e:
        raise HTTPException(422, f"The XML is not well-formed: {e}") from None
    expected = (BPMN_NS,) if folder == "bpmn" else DMN_NS
    if root.tag not in {f"{{{ns}}}definitions" for ns in expected}:
        raise HTTPException(422, f"The root element must be the {folder.upper()} <definitions>.")


# -- lint: the vendored bundle under node ---------------------------------------------------------------------------
_NODE_RUNNER = """
const fs = require('fs');
const lib = new Function(fs.readFileSync(process.argv[1], 'utf8') + '\\nreturn BpmnLintCamunda;')();
const xml = fs.readFileSync(0, 'utf8');
lib.lintXml(xml).then(p => process.stdout.write(JSON.stringify({target: lib.target, problems: p})),
                      e => { process.stderr.write(String(e && e.stack || e)); process.exit(2); });
"""


async def lint_bpmn(xml: str, timeout: float = 60.0) -> JSON:
    """{"available": bool, "target": "camunda-cloud-8-8", "problems": [{rule, id, message, category}], "errors": n}"""
    node = shutil.which("node")
    if node is None or not LINT_BUNDLE.is_file():
        return {"available": False, "target": None, "problems": [], "errors": 0}
    proc = await asyncio.create_subprocess_exec(
        node,
        "-e",
        _NODE_RUNNER,
        str(LINT_BUNDLE),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(xml.encode()), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise HTTPException(504, "The linter took too long.") from None
    if proc.returncode != 0:
        raise HTTPException(500, f"The linter failed: {err.decode(errors='replace')[-500:]}")
    result: JSON = json.loads(out)
    problems = result.get("problems", [])
    return {
        "available": True,
        "target": result.get("target"),
        "problems": problems,
        "errors": sum(1 for p in problems if p.get("category") in ("error", "rule-error")),
    }


# -- pages --------------------------------------------------------------------------------------------------------
def _page(request: Request, template: str, **context: Any) -> Response:
    """Render with a per-response CSP nonce: the page's own inline script runs, no other inline script does."""
    nonce = secrets.token_urlsafe(16)
    response = render(request, template, nonce=nonce, **context)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/modeler", include_in_schema=False)
async def modeler_page(request: Request, user: ProcessOwner, file: str | None = None) -> Response:
    return _page(request, "modeler.html", file=file or "")


@router.get("/modeler/diagram/{process_id}", include_in_schema=False)
async def diagram_page(
    request: Request,
    user: OwnerOrManager,
    process_id: str,
    version: int | None = None,
    instance: str | None = None,
) -> Response:
    return _page(
        request, "modeler_viewer.html", process_id=process_id, version=version, instance=instance or ""
    )


# -- files --------------------------------------------------------------------------------------------------------
@router.get("/api/modeler/files")
async def list_files(request: Request, user: ProcessOwner) -> JSON:
    root = models_root(request)
    files: list[JSON] = []
    for folder, suffix in FOLDERS.items():
        base = root / folder
        if not base.is_dir():
            continue
        for p in sorted(base.iterdir()):
            if p.is_file() and p.name.endswith(suffix) and NAME.match(p.name):
                item: JSON = {
                    "path": f"{folder}/{p.name}",
                    "folder": folder,
                    "name": p.name,
                    "kind": _kind(folder),
                }
                if folder == "bpmn":
                    item["processIds"] = _process_ids(p.read_bytes())
                files.append(item)
    return {"files": files}


@router.get("/api/modeler/files/{folder}/{name}")
async def read_file(request: Request, user: ProcessOwner, folder: str, name: str) -> JSON:
    path = _model_path(request, folder, name)
    if not path.is_file():
        raise HTTPException(404, "No such model file.")
    data = path.read_bytes()
    item: JSON = {
        "path": f"{folder}/{name}",
        "kind": _kind(folder),
        "content": data.decode(),
        "sha256": _sha(data),
    }
    if folder == "bpmn":
        item["processIds"] = _process_ids(data)
    return item


class SaveRequest(BaseModel):
    content: str
    #: the sha256 the editor loaded; None creates a new file (refused if one exists)
    base_sha256: str | None = Field(None, alias="baseSha256")


@router.put("/api/modeler/files/{folder}/{name}", dependencies=[Csrf])
async def save_file(request: Request, user: ProcessOwner, folder: str, name: str, body: SaveRequest) -> JSON:
    path = _model_path(request, folder, name)
    check_content(folder, body.content)
    current = _sha(path.read_bytes()) if path.is_file() else None
    if current != body.base_sha256:
        raise HTTPException(
            409, "The file changed since you opened it. Reload it and make your change again."
        )
    data = body.content.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"path": f"{folder}/{name}", "sha256": _sha(data), "savedBy": user.username}


class LintRequest(BaseModel):
    content: str


@router.post("/api/modeler/lint", dependencies=[Csrf])
async def lint(user: ProcessOwner, body: LintRequest) -> JSON:
    check_content("bpmn", body.content)
    return await lint_bpmn(body.content)


# -- deploy -------------------------------------------------------------------------------------------------------
class DeployRequest(BaseModel):
    #: saved files, as `folder/name` (deployed together, in one deployment)
    paths: list[str] = Field(min_length=1, max_length=50)


@router.post("/api/modeler/deploy", dependencies=[Csrf])
async def deploy(request: Request, user: ProcessOwner, body: DeployRequest) -> JSON:
    resources: list[tuple[str, bytes]] = []
    lint_results: dict[str, JSON] = {}
    for rel in body.paths:
        folder, _, name = rel.partition("/")
        path = _model_path(request, folder, name)
        if not path.is_file():
            raise HTTPException(404, f"No such model file: {rel}")
        data = path.read_bytes()
        check_content(folder, data.decode())
        if folder == "bpmn":
            checked = await lint_bpmn(data.decode())
            lint_results[rel] = checked
            if checked["errors"]:
                raise HTTPException(
                    422,
                    {
                        "message": f"{rel} has {checked['errors']} lint error(s): fix them first.",
                        "lint": checked,
                    },
                )
        resources.append((name, data))
    camunda = _camunda(request)
    files = [("resources", (name, data, "application/octet-stream")) for name, data in resources]
    r = await camunda.http.post("/deployments", files=files)
    if r.status_code >= 400:
        try:
            detail = str(r.json().get("detail") or r.json().get("title") or r.text)
        except ValueError:
            detail = r.text
        raise CamundaError(r.status_code, detail)
    result: JSON = r.json()
    return {"deployment": result, "lint": lint_results, "deployedBy": user.username}


# -- versions and running cases -------------------------------------------------------------------------------------
#: running cases listed with their version (the counts per version cover them all)
RECENT_INSTANCES = 200


@router.get("/api/modeler/versions/{process_id}")
async def versions(request: Request, user: OwnerOrManager, process_id: str) -> JSON:
    """Every deployed version of a process with how many cases run on it (counted by the engine), and the most
    recently started running cases with their version."""
    camunda = _camunda(request)
    definitions = await camunda.search(
        "process-definitions", {"processDefinitionId": process_id}, [{"field": "version", "order": "DESC"}]
    )
    keys = [str(d.get("processDefinitionKey")) for d in definitions]
    counted, (instances, _) = await asyncio.gather(
        asyncio.gather(
            *(
                camunda.first_page("process-instances", {"processDefinitionKey": k, "state": "ACTIVE"}, limit=1)
                for k in keys
            )
        ),
        camunda.first_page(
            "process-instances",
            {"processDefinitionId": process_id, "state": "ACTIVE"},
            [{"field": "startDate", "order": "DESC"}],
            limit=RECENT_INSTANCES,
        ),
    )
    running = {k: total for k, (_, total) in zip(keys, counted, strict=True)}
    return {
        "processId": process_id,
        "latestVersion": definitions[0]["version"] if definitions else None,
        "versions": [
            {
                "version": d.get("version"),
                "versionTag": d.get("versionTag"),
                "processDefinitionKey": str(d.get("processDefinitionKey")),
                "name": d.get("name"),
                "running": running.get(str(d.get("processDefinitionKey")), 0),
            }
            for d in definitions
        ],
        "instances": [
            {
                "processInstanceKey": str(i.get("processInstanceKey")),
                "version": i.get("processDefinitionVersion"),
                "processDefinitionKey": str(i.get("processDefinitionKey")),
                "startDate": i.get("startDate"),
                "hasIncident": bool(i.get("hasIncident")),
            }
            for i in instances
        ],
    }


@router.get("/api/modeler/diagram/{process_id}")
async def diagram(
    request: Request,
    user: OwnerOrManager,
    process_id: str,
    version: int | None = None,
    instance: str | None = None,
) -> JSON:
    """The XML of a version (default: the one `instance` runs on, else the latest) and per-element counts of
    active element instances and open incidents, over all its running cases or over `instance` alone."""
    camunda = _camunda(request)
    if instance:
        found = await camunda.search("process-instances", {"processInstanceKey": instance}, limit=1)
        if not found or found[0].get("processDefinitionId") != process_id:
            raise HTTPException(404, "No such case of this process.")
        definition_key = str(found[0]["processDefinitionKey"])
        version = found[0].get("processDefinitionVersion")
    else:
        filter_: JSON = {"processDefinitionId": process_id}
        if version is not None:
            filter_["version"] = version
        definitions = await camunda.search(
            "process-definitions", filter_, [{"field": "version", "order": "DESC"}], limit=1
        )
        if not definitions:
            raise HTTPException(404, "This process (version) is not deployed.")
        definition_key = str(definitions[0]["processDefinitionKey"])
        version = definitions[0].get("version")
    xml = await camunda.process_xml(definition_key)
    scope: JSON = {"processInstanceKey": instance} if instance else {"processDefinitionKey": definition_key}
    active = await camunda.search("element-instances", {**scope, "state": "ACTIVE"}, limit=5000)
    counts: dict[str, JSON] = {}
    for e in active:
        if e.get("type") == "PROCESS":
            continue
        c = counts.setdefault(str(e.get("elementId")), {"active": 0, "incidents": 0})
        c["active"] += 1
    try:
        incidents = await camunda.search("incidents", {**scope, "state": "ACTIVE"}, limit=5000)
    except CamundaError:
        incidents = []
    for i in incidents:
        c = counts.setdefault(str(i.get("elementId")), {"active": 0, "incidents": 0})
        c["incidents"] += 1
    return {
        "processId": process_id,
        "version": version,
        "processDefinitionKey": definition_key,
        "instance": instance,
        "xml": xml,
        "items": [{"elementId": k, **v} for k, v in sorted(counts.items())],
    }
