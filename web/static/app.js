// The pages' behaviour, no build step. Libraries come from /static/vendor/ and may be missing: every feature
// checks for its global first and leaves the server-rendered page as it is without it.
(function () {
  "use strict";
  const csrf = document.querySelector("main")?.dataset.csrf || "";

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }
  function note(text) { const n = document.getElementById("diagram-note"); if (n) n.textContent = text; }

  // a wide process gets a short box and fills its width, rather than shrinking into a tall empty one
  function fit(viewer, el) {
    const canvas = viewer.get("canvas"), inner = canvas.viewbox().inner;
    if (inner.width > 0) {
      const height = Math.min(640, Math.max(220, el.clientWidth * inner.height / inner.width + 40));
      el.style.height = Math.round(height) + "px";
      canvas.resized();
    }
    canvas.zoom("fit-viewport");
  }

  // -- the diagram with per-element badges (dashboard) or the path taken (case page) --------------------------
  async function diagram(el) {
    if (!window.BpmnJS) { el.classList.add("missing"); el.textContent = "The diagram viewer is not installed (static/vendor/bpmn-js)."; return; }
    const viewer = new window.BpmnJS({ container: el });
    let focused = false;
    let shown = null;  // the definition on screen: its XML is asked for again only when another is deployed
    async function refresh() {
      const url = el.dataset.source + (shown ? (el.dataset.source.includes("?") ? "&" : "?") + "known=" + encodeURIComponent(shown) : "");
      const data = await getJSON(url);
      if (data.xml) { await viewer.importXML(data.xml); fit(viewer, el); shown = data.processDefinitionKey || null; }
      const overlays = viewer.get("overlays"), canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
      overlays.remove({ type: "counts" });
      for (const e of data.elements) {
        if (!registry.get(e.elementId)) continue;
        if (el.dataset.mode === "instance") {
          for (const c of ["taken", "waiting", "failed"]) canvas.removeMarker(e.elementId, c);
          canvas.addMarker(e.elementId, e.incidents ? "failed" : e.active ? "waiting" : "taken");
          continue;
        }
        const html = ["active", "incidents", "completed", "canceled"].filter((k) => e[k])
          .map((k) => `<span class="badge ${k}" title="${k}">${Number(e[k])}</span>`).join("");
        // badges keep a readable size however far a wide process is zoomed out
        if (html) overlays.add(e.elementId, "counts", { position: { bottom: 10, left: -6 }, scale: { min: 1 }, html: `<div>${html}</div>` });
      }
      for (const f of data.flows || []) if (registry.get(f)) canvas.addMarker(f, "taken");
      if (el.dataset.mode === "instance" && !focused) {
        // a case opens on where it waits (the innermost active element), at a readable scale
        const waiting = data.elements.filter((e) => e.active && registry.get(e.elementId))
          .map((e) => registry.get(e.elementId)).sort((a, b) => a.width * a.height - b.width * b.height)[0];
        if (waiting) {
          canvas.zoom(0.9);
          const box = canvas.viewbox();
          canvas.viewbox({ x: waiting.x + waiting.width / 2 - box.width / 2, y: waiting.y + waiting.height / 2 - box.height / 2, width: box.width, height: box.height });
        }
        focused = true;
      }
      note(data.source === "statistics" ? "" : "Counts computed from the element-instance search (the engine lacks the statistics endpoint).");
      el.dataset.drawn = "true";  // badges and markers are on: what a screenshot or a test waits for
    }
    try { await refresh(); } catch (err) { note(String(err)); return; }
    const seconds = Number(el.dataset.seconds || 0);
    if (seconds > 0) setInterval(() => refresh().catch((err) => note(String(err))), seconds * 1000);
  }

  // -- live counts on the dashboard -----------------------------------------------------------------------------
  function poll(section) {
    const seconds = Number(section.dataset.seconds || 0);
    if (!seconds) return;
    setInterval(async () => {
      try {
        const data = await getJSON(section.dataset.poll);
        section.querySelectorAll("[data-stage]").forEach((s) => { s.textContent = data.stageCounts[s.dataset.stage] || 0; });
        document.getElementById("breaches").textContent = data.breaches;
        const waiting = document.getElementById("waiting");
        if (waiting) waiting.textContent = data.waiting;
        document.getElementById("updated").textContent = new Date(data.at).toLocaleTimeString();
      } catch (err) { /* keep the last figures; the next poll tries again */ }
    }, seconds * 1000);
  }

  // -- decision tables with the matched rules highlighted ---------------------------------------------------------
  async function decision(el) {
    if (!window.DmnJS) return;
    const rules = (el.dataset.rules || "").split(",").filter(Boolean);
    const viewer = new window.DmnJS({ container: el });
    try {
      const xml = await (await fetch(el.dataset.xml, { credentials: "same-origin" })).text();
      await viewer.importXML(xml);
      const view = viewer.getViews().find((v) => v.type === "decisionTable" && v.element.id === el.dataset.decision);
      if (view) await viewer.open(view);
      for (const id of rules) el.querySelectorAll(`[data-row-id="${CSS.escape(id)}"]`).forEach((n) => n.classList.add("matched"));
    } catch (err) { el.textContent = "The decision table could not be shown: " + err; }
  }

  // -- the task's Camunda Form, rendered with form-js, completed through our server ---------------------------------
  async function taskForm(el) {
    if (!window.FormViewer) { el.textContent = "The form viewer is not installed (static/vendor/form-js)."; return; }
    const schema = JSON.parse(document.getElementById("task-schema").textContent);
    const data = JSON.parse(document.getElementById("task-data").textContent);
    const form = new window.FormViewer.Form({ container: el });
    await form.importSchema(schema, data);
    if (el.dataset.editable !== "true") form.setProperty("readOnly", true);
    const button = document.getElementById("complete-task"), status = document.getElementById("form-status");
    if (!button) return;
    button.addEventListener("click", async () => {
      // form-js debounces typing: leave the field being edited and let its last change land before submitting
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
      await new Promise((resolve) => setTimeout(resolve, 350));
      const result = form.submit();
      if (Object.keys(result.errors || {}).length) { status.textContent = "Please correct the highlighted fields."; return; }
      button.disabled = true;
      const r = await fetch(`/inbox/${el.dataset.task}/complete`, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ variables: result.data }),
      });
      if (r.ok) { window.location.assign("/inbox"); return; }
      button.disabled = false;
      status.textContent = ((await r.json().catch(() => ({}))).detail) || "The task could not be completed.";
    });
  }

  document.querySelectorAll(".diagram[data-source]").forEach(diagram);
  document.querySelectorAll("[data-poll]").forEach(poll);
  document.querySelectorAll(".dmn[data-xml]").forEach(decision);
  const task = document.getElementById("task-form");
  if (task) taskForm(task);
})();
