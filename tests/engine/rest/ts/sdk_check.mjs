// Camunda's TypeScript SDK (@camunda8/orchestration-cluster-api) against the engine's REST API.
//
//   node sdk_check.mjs <rest address, e.g. http://127.0.0.1:8080> [validation mode: strict (default) | fanatical | warn | none]
//
// The SDK is loaded from $CAMUNDA_TS_SDK_DIR (default: <repo>/.cache/ts-sdk, where the pytest fixture installs the version
// pinned in ./package.json). Request and response validation run in the given mode: `strict` rejects a missing required
// field or a wrong type, `fanatical` also any field the SDK does not know (with 9.1.5 that stops at getProcessInstance:
// `suspendedDate`, a field Camunda's Python SDK 10 requires).
//
// It deploys ts-sdk-check.bpmn, starts an instance, searches it and gets it, lets the SDK's own job worker complete the
// service task's job, and confirms by search that the instance COMPLETED with the worker's variables. It prints one JSON
// summary on stdout ({"ok": true, ...}) and exits 0; on any error (HTTP error, validation error, missing or wrong field,
// SDK error logged by the worker, timeout) it prints {"ok": false, "step": ..., "error": ...} and exits 1.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const BPMN = join(HERE, 'ts-sdk-check.bpmn');
const PROCESS_ID = 'ts-sdk-check';
const JOB_TYPE = 'ts-sdk-charge';
const DEADLINE_MS = Number(process.env.SDK_CHECK_DEADLINE_MS || 25_000);

const [restAddress, mode = 'strict'] = process.argv.slice(2);
const summary = { ok: false, restAddress, validation: mode, steps: [] };
let step = 'start';

function finish(ok, error) {
  summary.ok = ok;
  if (!ok) {
    summary.step = step;
    summary.error = describe(error);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(ok ? 0 : 1);
}

function describe(e) {
  if (!e || typeof e !== 'object') return { message: String(e) };
  const out = { name: e.name, message: e.message };
  // CamundaValidationError: side/operationId/summary/issues; HTTP errors: status/operationId/detail/title/body
  for (const k of ['side', 'operationId', 'summary', 'issues', 'status', 'title', 'detail', 'type', 'instance', 'body']) {
    if (e[k] !== undefined) out[k] = e[k];
  }
  if (e.cause) out.cause = describe(e.cause);
  return out;
}

function check(condition, message, actual) {
  if (!condition) {
    const err = new Error(actual === undefined ? message : `${message}: got ${JSON.stringify(actual)}`);
    err.name = 'CheckFailed';
    throw err;
  }
}

const isKey = (v) => typeof v === 'string' && /^[0-9]+$/.test(v);
const isDate = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /(Z|[+-]\d\d:?\d\d)$/.test(v);

async function loadSdk() {
  const dir = resolve(process.env.CAMUNDA_TS_SDK_DIR || join(HERE, '..', '..', '..', '..', '.cache', 'ts-sdk'));
  const pkgDir = join(dir, 'node_modules', '@camunda8', 'orchestration-cluster-api');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const entry = pkg.exports?.['.']?.import ?? pkg.module;
  const mod = await import(pathToFileURL(join(pkgDir, entry)).href);
  return { version: pkg.version, createCamundaClient: mod.createCamundaClient ?? mod.default };
}

async function main() {
  check(restAddress && /^https?:\/\//.test(restAddress), 'usage: node sdk_check.mjs <http://host:port> [mode]');
  const watchdog = setTimeout(() => finish(false, new Error(`timed out after ${DEADLINE_MS} ms`)), DEADLINE_MS);
  watchdog.unref();

  step = 'load SDK';
  const { version, createCamundaClient } = await loadSdk();
  summary.sdkVersion = version;

  // Everything the SDK logs at warn or error (the worker logs activation/completion failures instead of throwing).
  const logged = [];
  const camunda = createCamundaClient({
    config: {
      CAMUNDA_REST_ADDRESS: restAddress,
      CAMUNDA_AUTH_STRATEGY: 'NONE',
      CAMUNDA_SDK_VALIDATION: `req:${mode},res:${mode}`,
      CAMUNDA_SDK_HTTP_RETRY_MAX_ATTEMPTS: 1, // surface the first HTTP error instead of retrying it away
      CAMUNDA_SDK_LOG_LEVEL: 'warn',
    },
    log: {
      level: 'warn',
      transport: (evt) => {
        logged.push({ level: evt.level, scope: evt.scope, code: evt.code, args: evt.args.map((a) => describeArg(a)) });
      },
    },
  });
  const assertNothingLogged = () => check(logged.length === 0, 'the SDK logged warnings/errors', logged);

  step = 'getTopology';
  const topology = await camunda.getTopology();
  check(topology.brokers.length >= 1 && topology.clusterSize >= 1, 'topology has a broker', topology);
  summary.steps.push(step);
  summary.topology = { clusterSize: topology.clusterSize, gatewayVersion: topology.gatewayVersion };

  step = 'deployResourcesFromFiles';
  const deployment = await camunda.deployResourcesFromFiles([BPMN]);
  check(isKey(deployment.deploymentKey), 'deploymentKey is a string of digits', deployment.deploymentKey);
  check(deployment.processes.length === 1, 'one process deployed', deployment.deployments);
  const [definition] = deployment.processes;
  check(definition.processDefinitionId === PROCESS_ID, 'processDefinitionId', definition);
  check(isKey(definition.processDefinitionKey), 'processDefinitionKey is a string of digits', definition);
  check(definition.resourceName === 'ts-sdk-check.bpmn', 'resourceName', definition);
  summary.steps.push(step);
  summary.deployment = {
    deploymentKey: deployment.deploymentKey,
    processDefinitionKey: definition.processDefinitionKey,
    processDefinitionVersion: definition.processDefinitionVersion,
    tenantId: deployment.tenantId,
  };

  step = 'createProcessInstance';
  const created = await camunda.createProcessInstance({
    processDefinitionId: PROCESS_ID,
    variables: { orderId: 'ORD-1', amount: 42.5 },
  });
  check(isKey(created.processInstanceKey), 'processInstanceKey is a string of digits', created);
  check(created.processDefinitionKey === definition.processDefinitionKey, 'processDefinitionKey of the instance', created);
  const processInstanceKey = created.processInstanceKey;
  summary.steps.push(step);
  summary.processInstanceKey = processInstanceKey;

  step = 'searchProcessInstances (ACTIVE)';
  const found = await camunda.searchProcessInstances(
    { filter: { processDefinitionId: PROCESS_ID }, sort: [{ field: 'startDate', order: 'DESC' }], page: { limit: 10 } },
    { consistency: { waitUpToMs: 5_000, pollIntervalMs: 100 } }
  );
  const item = found.items.find((i) => i.processInstanceKey === processInstanceKey);
  check(item !== undefined, 'the search finds the created instance', found);
  check(found.items.every((i) => i.processDefinitionId === PROCESS_ID), 'the filter applies', found.items);
  check(item.state === 'ACTIVE', 'instance ACTIVE before the worker runs', item);
  check(found.page.totalItems === found.items.length, 'page.totalItems', found.page);
  summary.steps.push(step);
  summary.searchedState = item.state;

  step = 'getProcessInstance';
  const got = await camunda.getProcessInstance({ processInstanceKey }, { consistency: { waitUpToMs: 5_000, pollIntervalMs: 100 } });
  check(got.processInstanceKey === processInstanceKey, 'processInstanceKey', got);
  check(got.processDefinitionId === PROCESS_ID, 'processDefinitionId', got);
  check(got.processDefinitionName === 'TypeScript SDK check', 'processDefinitionName', got);
  check(isDate(got.startDate), 'startDate is ISO 8601 with offset', got.startDate);
  check(got.endDate === null || got.endDate === undefined, 'no endDate while active', got.endDate);
  summary.steps.push(step);
  summary.gotState = got.state;

  step = 'createJobWorker';
  let handled;
  const jobDone = new Promise((res, rej) => {
    handled = { res, rej };
  });
  const worker = camunda.createJobWorker({
    jobType: JOB_TYPE,
    workerName: 'ts-sdk-check',
    jobTimeoutMs: 30_000,
    maxParallelJobs: 1,
    pollIntervalMs: 100,
    jobHandler: async (job) => {
      try {
        const seen = {
          jobKey: job.jobKey,
          type: job.type,
          elementId: job.elementId,
          processInstanceKey: job.processInstanceKey,
          processDefinitionId: job.processDefinitionId,
          retries: job.retries,
          worker: job.worker,
          deadline: job.deadline,
          variables: job.variables,
          customHeaders: job.customHeaders,
        };
        const receipt = await job.complete({ charged: true, receipt: `R-${job.variables.orderId}` });
        handled.res(seen);
        return receipt;
      } catch (e) {
        handled.rej(e);
        throw e;
      }
    },
  });
  let job;
  try {
    // The worker reports activation/completion failures only through its logger: stop at the first one.
    job = await Promise.race([
      jobDone,
      new Promise((_, rej) => {
        const t = setInterval(() => {
          if (logged.length) {
            clearInterval(t);
            rej(Object.assign(new Error('the SDK worker logged an error'), { name: 'WorkerError', body: logged }));
          }
        }, 20);
        jobDone.finally(() => clearInterval(t)).catch(() => {});
      }),
    ]);
  } finally {
    worker.stop();
  }
  check(isKey(job.jobKey), 'jobKey is a string of digits', job);
  check(job.type === JOB_TYPE, 'job type', job);
  check(job.elementId === 'charge', 'job elementId', job);
  check(job.processInstanceKey === processInstanceKey, 'job processInstanceKey', job);
  check(job.processDefinitionId === PROCESS_ID, 'job processDefinitionId', job);
  check(job.retries === 3, 'job retries', job);
  check(job.worker === 'ts-sdk-check', 'job worker name', job);
  check(JSON.stringify(job.variables) === JSON.stringify({ amount: 42.5, orderId: 'ORD-1' }) ||
    JSON.stringify(job.variables) === JSON.stringify({ orderId: 'ORD-1', amount: 42.5 }), 'job variables', job.variables);
  check(job.customHeaders?.currency === 'EUR', 'job customHeaders', job.customHeaders);
  assertNothingLogged();
  summary.steps.push('job worker completed the job');
  summary.job = job;

  step = 'searchProcessInstances (COMPLETED)';
  const done = await camunda.searchProcessInstances(
    { filter: { processInstanceKey, state: 'COMPLETED' } },
    { consistency: { waitUpToMs: 10_000, pollIntervalMs: 100 } }
  );
  check(done.items.length === 1, 'the instance is COMPLETED', done);
  check(done.items[0].state === 'COMPLETED', 'state', done.items[0]);
  check(isDate(done.items[0].endDate), 'endDate is ISO 8601 with offset', done.items[0].endDate);
  check(done.items[0].hasIncident === false, 'hasIncident', done.items[0]);
  summary.steps.push(step);
  summary.finalState = done.items[0].state;
  summary.endDate = done.items[0].endDate;

  step = 'searchVariables';
  const vars = await camunda.searchVariables(
    { filter: { processInstanceKey }, sort: [{ field: 'name', order: 'ASC' }] },
    { consistency: { waitUpToMs: 5_000, pollIntervalMs: 100 } }
  );
  summary.variables = Object.fromEntries(vars.items.map((v) => [v.name, v.value]));
  check(summary.variables.charged === 'true', 'variable set by the worker (JSON text)', summary.variables);
  check(summary.variables.receipt === '"R-ORD-1"', 'variable set by the worker (JSON text)', summary.variables);
  summary.steps.push(step);

  assertNothingLogged();
  clearTimeout(watchdog);
}

function describeArg(a) {
  if (a instanceof Error) return describe(a);
  try {
    return JSON.parse(JSON.stringify(a));
  } catch {
    return String(a);
  }
}

main().then(
  () => finish(true),
  (e) => finish(false, e)
);
