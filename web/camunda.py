"""A small async client for the Camunda 8.8 Orchestration Cluster REST API (`/v2`), on httpx.

Only the calls the web pages make. Keys stay strings, as the API sends them (Java longs).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from web.config import WebSettings

JSON = dict[str, Any]


class CamundaError(RuntimeError):
    """The API answered with an error (a ProblemDetail where it sends one)."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(f"Camunda REST {status}: {detail}")


def duplicate_message(e: CamundaError) -> bool:
    """A publication refused because its message id is still buffered: the same message already went out.
    Camunda answers 409; the embedded engine 400 (ALREADY_EXISTS): recognised by status and reason."""
    return e.status in (400, 409) and "already" in e.detail.lower()


class _OAuth(httpx.Auth):
    """Client-credentials bearer token, fetched on first use and again shortly before it expires."""

    def __init__(self, url: str, client_id: str, secret: str, audience: str) -> None:
        self.url, self.client_id, self.secret, self.audience = url, client_id, secret, audience
        self.token: str | None = None
        self.expires = 0.0

    async def async_auth_flow(self, request: httpx.Request) -> Any:
        if self.token is None or time.monotonic() > self.expires:
            async with httpx.AsyncClient(timeout=10) as c:
                r = await c.post(
                    self.url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.client_id,
                        "client_secret": self.secret,
                        "audience": self.audience,
                    },
                )
                r.raise_for_status()
                body = r.json()
            self.token = str(body["access_token"])
            self.expires = time.monotonic() + float(body.get("expires_in", 300)) - 30
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def _auth(settings: WebSettings) -> httpx.Auth | None:
    if settings.camunda_auth_strategy == "BASIC":
        return httpx.BasicAuth(
            settings.camunda_basic_auth_username or "", settings.camunda_basic_auth_password or ""
        )
    if settings.camunda_auth_strategy == "OAUTH":
        if not (settings.camunda_oauth_url and settings.camunda_client_id and settings.camunda_client_secret):
            raise ValueError(
                "CAMUNDA_AUTH_STRATEGY=OAUTH needs CAMUNDA_OAUTH_URL, CAMUNDA_CLIENT_ID and _SECRET"
            )
        return _OAuth(
            settings.camunda_oauth_url,
            settings.camunda_client_id,
            settings.camunda_client_secret,
            settings.camunda_token_audience,
        )
    return None


class Camunda:
    def __init__(self, settings: WebSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.http = httpx.AsyncClient(
            base_url=settings.camunda_rest_address.rstrip("/") + "/v2",
            auth=_auth(settings),
            timeout=15,
            transport=transport,
        )
        self._xml: dict[str, str] = {}

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, body: Any = None, *, ok404: bool = False) -> Any:
        r = await self.http.request(method, path, json=body)
        if r.status_code == 404 and ok404:
            return None
        if r.status_code >= 400:
            try:
                detail = str(r.json().get("detail") or r.json().get("title") or r.text)
            except ValueError:
                detail = r.text
            raise CamundaError(r.status_code, detail)
        if r.status_code == 204 or not r.content:
            return None
        if r.headers.get("content-type", "").startswith(("text/xml", "application/xml")):
            return r.text
        return r.json()

    # -- searches: the common {filter, sort, page} body; every page is read up to `limit` items ------------------
    async def search(
        self, resource: str, filter: JSON | None = None, sort: list[JSON] | None = None, limit: int = 1000
    ) -> list[JSON]:
        items: list[JSON] = []
        after: str | None = None
        while len(items) < limit:
            page: JSON = {"limit": min(100, limit - len(items))}
            if after:
                page["after"] = after
            body: JSON = {"filter": filter or {}, "page": page}
            if sort:
                body["sort"] = sort
            result = await self._call("POST", f"/{resource}/search", body)
            batch = result.get("items", [])
            items.extend(batch)
            after = (result.get("page") or {}).get("endCursor")
            if not batch or not after or len(batch) < page["limit"]:
                break
        return items

    async def first_page(
        self,
        resource: str,
        filter: JSON | None = None,
        sort: list[JSON] | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[JSON], int]:
        """`limit` items from `offset` on, and how many there are in all (`page.totalItems`)."""
        page: JSON = {"limit": limit, "from": offset} if offset else {"limit": limit}
        body: JSON = {"filter": filter or {}, "page": page}
        if sort:
            body["sort"] = sort
        result = await self._call("POST", f"/{resource}/search", body)
        return list(result.get("items", [])), int((result.get("page") or {}).get("totalItems", 0))

    # -- definitions ------------------------------------------------------------------------------------------------
    async def latest_process_definition(self, process_id: str) -> JSON | None:
        found = await self.search(
            "process-definitions",
            {"processDefinitionId": process_id},
            [{"field": "version", "order": "DESC"}],
            limit=1,
        )
        return found[0] if found else None

    async def process_xml(self, key: str) -> str:
        """A deployed definition never changes under its key: fetched once, then kept."""
        if key not in self._xml:
            self._xml[key] = str(await self._call("GET", f"/process-definitions/{key}/xml"))
        return self._xml[key]

    async def decision_xml(self, key: str) -> str:
        return str(await self._call("GET", f"/decision-definitions/{key}/xml"))

    async def _items_if_offered(self, method: str, path: str, body: Any = None) -> list[JSON] | None:
        """A call's `items`; None where the engine does not offer the endpoint (404 without a route, 405, 501)."""
        try:
            result = await self._call(method, path, body, ok404=True)
        except CamundaError as e:
            if e.status in (405, 501):
                return None
            raise
        return None if result is None else list(result.get("items", []))

    async def element_statistics(self, definition_key: str, filter: JSON | None = None) -> list[JSON] | None:
        """Operate's per-element badges; None where the engine lacks the endpoint (the caller counts itself)."""
        path = f"/process-definitions/{definition_key}/statistics/element-instances"
        return await self._items_if_offered("POST", path, {"filter": filter or {}})

    async def instance_statistics(self, process_instance_key: str) -> list[JSON] | None:
        """Per-element counts of one instance; None where the engine lacks the endpoint."""
        path = f"/process-instances/{process_instance_key}/statistics/element-instances"
        return await self._items_if_offered("GET", path)

    async def evaluate_decision(self, decision_id: str, variables: JSON) -> JSON:
        return dict(
            await self._call(
                "POST",
                "/decision-definitions/evaluation",
                {"decisionDefinitionId": decision_id, "variables": variables},
            )
        )

    async def decision_instances(self, process_instance_key: str) -> list[JSON] | None:
        """The DMN evaluations of an instance; None where the engine lacks `/decision-instances/search`."""
        body = {
            "filter": {"processInstanceKey": process_instance_key},
            "sort": [{"field": "evaluationDate", "order": "ASC"}],
            "page": {"limit": 1000},
        }
        return await self._items_if_offered("POST", "/decision-instances/search", body)

    async def decision_instance(self, key: str) -> JSON | None:
        """One recorded decision evaluation with its evaluated inputs and matched rules."""
        result = await self._call("GET", f"/decision-instances/{key}", ok404=True)
        return None if result is None else dict(result)

    # -- instances --------------------------------------------------------------------------------------------------
    async def process_instance(self, key: str) -> JSON | None:
        result = await self._call("GET", f"/process-instances/{key}", ok404=True)
        return None if result is None else dict(result)

    async def variables(self, process_instance_key: str) -> dict[str, Any]:
        """name -> JSON text of the instance's variables (full values: the page shows them)."""
        items = await self.search("variables", {"processInstanceKey": process_instance_key})
        return {v["name"]: v["value"] for v in items if v.get("scopeKey") == process_instance_key}

    async def resolve_incident(self, incident: JSON) -> None:
        """Operate's Retry: a job incident needs retries back first, then the incident is resolved."""
        job_key = incident.get("jobKey")
        if job_key:
            await self._call("PATCH", f"/jobs/{job_key}", {"changeset": {"retries": 1}})
        await self._call("POST", f"/incidents/{incident['incidentKey']}/resolution", {})

    async def incident(self, key: str) -> JSON | None:
        result = await self._call("GET", f"/incidents/{key}", ok404=True)
        return None if result is None else dict(result)

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        variables: JSON,
        message_id: str | None = None,
        ttl_ms: int = 60_000,
    ) -> JSON:
        body: JSON = {
            "name": name,
            "correlationKey": correlation_key,
            "timeToLive": ttl_ms,
            "variables": variables,
        }
        if message_id:
            body["messageId"] = message_id
        return dict(await self._call("POST", "/messages/publication", body))

    # -- user tasks -------------------------------------------------------------------------------------------------
    async def user_task(self, key: str) -> JSON | None:
        result = await self._call("GET", f"/user-tasks/{key}", ok404=True)
        return None if result is None else dict(result)

    async def user_task_form(self, key: str) -> JSON | None:
        result = await self._call("GET", f"/user-tasks/{key}/form", ok404=True)
        return None if result is None else dict(result)

    async def user_task_variables(self, key: str) -> list[JSON]:
        result = await self._call("POST", f"/user-tasks/{key}/variables/search", {"page": {"limit": 200}})
        return list(result.get("items", []))

    async def assign(self, key: str, assignee: str) -> None:
        await self._call(
            "POST",
            f"/user-tasks/{key}/assignment",
            {"assignee": assignee, "allowOverride": False, "action": "claim"},
        )

    async def unassign(self, key: str) -> None:
        await self._call("DELETE", f"/user-tasks/{key}/assignee")

    async def complete(self, key: str, variables: JSON, action: str = "complete") -> None:
        await self._call("POST", f"/user-tasks/{key}/completion", {"variables": variables, "action": action})

    async def sequence_flows(self, process_instance_key: str) -> list[str] | None:
        """The ids of the flows the instance took; None where the engine lacks the endpoint."""
        items = await self._items_if_offered("GET", f"/process-instances/{process_instance_key}/sequence-flows")
        if items is None:
            return None
        # `sequenceFlowId` is Camunda's row id ("<instance key>_<flow id>"); the flow's own id is `elementId`
        return [str(f.get("elementId") or f.get("sequenceFlowId")) for f in items]
