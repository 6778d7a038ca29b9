/**
 * `npm run bench:flow`: how fast the runtime decides. A 50-element map (Incoming call, 47
 * decision and data elements, Ring devices, Hang up) run against a call control that answers at once, so
 * the figures are the runtime's own cost without I/O: decisions per second, and the time from
 * the start of the run to its first telephony action (the ring), whose p99 should stay under
 * 1 ms. Real timers back the runtime's per-element time limits, as on the server. Also the
 * simulator on the same map, for the editor's test panel.
 */
import { performance } from 'node:perf_hooks';
import { Bench } from 'tinybench';
import { getElement, pinsOf } from '../src/catalog/catalog.js';
import type { PinEnvironment } from '../src/catalog/element.js';
import { compileFlowMap } from '../src/compiler/compile.js';
import type { FlowMapInput } from '../src/flow-map.js';
import type { CallControl, RingResult } from '../src/runtime/call-control.js';
import { FlowRun } from '../src/runtime/flow-run.js';
import type { FlowServices, FlowTimers } from '../src/runtime/services.js';
import { scenarioFacts, ScenarioSchema } from '../src/simulator/scenario.js';
import { simulate } from '../src/simulator/simulate.js';

const ELEMENTS = 50;
const env: PinEnvironment = { handlingCodes: ['VIP', 'FAMILY', 'BLOCK'] };

/** Decision and data elements with a valid config each; the map cycles through them. */
const DECISIONS: { type: string; config: Record<string, unknown> }[] = [
  { type: 'match-caller', config: {} },
  { type: 'check-status', config: {} },
  { type: 'calendar', config: { check: 'in-meeting-now' } },
  { type: 'schedule', config: {} },
  {
    type: 'switch',
    config: {
      value: 'contact.group',
      cases: [{ id: 'family', match: { kind: 'equals', value: 'Family' } }],
    },
  },
  { type: 'set-variable', config: { assignments: [{ name: 'who', value: '{{contact.name}}' }] } },
];

/**
 * Incoming call -> 47 decisions -> Ring devices -> Hang up (50 elements), every pin of a node
 * leading to the next.
 */
function benchMap(): FlowMapInput {
  const nodes: FlowMapInput['nodes'] = [
    { id: 'n0', type: 'incoming-call', position: { x: 0, y: 0 }, config: {} },
  ];
  for (let i = 1; i < ELEMENTS - 2; i += 1) {
    const pick = DECISIONS[(i - 1) % DECISIONS.length];
    if (pick === undefined) throw new Error('no decision element');
    nodes.push({
      id: `n${i}`,
      type: pick.type,
      position: { x: i * 200, y: 0 },
      config: pick.config,
    });
  }
  nodes.push({
    id: 'ring',
    type: 'ring-devices',
    position: { x: ELEMENTS * 200, y: 0 },
    config: {},
  });
  nodes.push({
    id: 'done',
    type: 'hang-up',
    position: { x: (ELEMENTS + 1) * 200, y: 0 },
    config: {},
  });
  const edges: FlowMapInput['edges'] = [];
  for (let i = 0; i < nodes.length - 1; i += 1) {
    const node = nodes[i];
    const next = nodes[i + 1];
    if (node === undefined || next === undefined) continue;
    for (const pin of pinsOf(node.type, node.config, env)) {
      edges.push({ from: { node: node.id, pin: pin.id }, to: { node: next.id } });
    }
  }
  return { schemaVersion: 1, name: 'Benchmark: 47 decisions, then ring', nodes, edges };
}

/** Node's own timers: what the server gives the runtime. */
const realTimers: FlowTimers = {
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A call whose every operation completes at once; `onFirst` sees the first telephony action. */
function instantCall(onFirst: () => void): CallControl {
  let answered = false;
  let seen = false;
  const first = () => {
    if (!seen) {
      seen = true;
      onFirst();
    }
  };
  const answeredBy: RingResult = {
    outcome: 'answered',
    by: { kind: 'device', userId: 'alice', deviceId: 'desk' },
  };
  return {
    get answered() {
      return answered;
    },
    progress: () => (first(), Promise.resolve()),
    answer: () => {
      first();
      answered = true;
      return Promise.resolve();
    },
    ring: () => {
      first();
      answered = true;
      return Promise.resolve(answeredBy);
    },
    play: () => (first(), Promise.resolve({})),
    collectDigits: () => (first(), Promise.resolve({ digits: '', ended: 'timeout' as const })),
    record: () => (first(), Promise.resolve({ outcome: 'too-short' as const })),
    notifyDesktop: () => (first(), Promise.resolve({ outcome: 'timeout' as const })),
    startChat: () => (first(), Promise.resolve({ chatId: 'c' })),
    reject: () => (first(), Promise.resolve()),
    hangUp: () => (first(), Promise.resolve()),
  };
}

const flow = compileFlowMap(benchMap(), { env });
const scenario = ScenarioSchema.parse({
  caller: '+12025550142',
  contact: { name: 'Bob Boss', code: 'VIP', groups: ['Family'] },
  user: { timezone: 'America/New_York', handlingCodes: env.handlingCodes },
  status: 'busy',
  at: '2026-11-23T10:00',
});
const facts = scenarioFacts(scenario);
const services: FlowServices = {
  clock: { now: () => Date.now() },
  timers: realTimers,
  http: { send: () => Promise.reject(new Error('no network in the benchmark')) },
};
const neverHangsUp = new AbortController().signal;

const firstAction: number[] = [];
let decisionsPerRun = 0;

async function runOnce(): Promise<void> {
  const started = performance.now();
  let at = Number.NaN;
  const run = new FlowRun({
    flowId: 'bench',
    flow,
    call: instantCall(() => {
      at = performance.now();
    }),
    facts,
    services,
    hangUp: neverHangsUp,
  });
  const result = await run.run();
  if (result.lastNode !== 'done') throw new Error(`the run ended at ${String(result.lastNode)}`);
  firstAction.push(at - started);
  // The elements that ran before the first telephony one: the decisions this benchmark times.
  const firstTelephony = result.steps.findIndex(
    (s) =>
      s.kind === 'element' && s.type !== undefined && getElement(s.type)?.category === 'telephony',
  );
  decisionsPerRun = result.steps
    .slice(0, firstTelephony)
    .filter((s) => s.kind === 'element').length;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

console.log(
  `Flow runtime: a ${String(ELEMENTS)}-element map (${String(Object.keys(flow.states).length)} states), call control without I/O`,
);
const bench = new Bench({ time: 3_000, warmupTime: 500 });
bench.add('run: start to ring and end', runOnce).add('simulate() in virtual time', async () => {
  const result = await simulate({ flow, flowId: 'bench', scenario });
  if (result.outcome === 'error') throw new Error('the simulation failed');
});
// Progress on stderr: each task takes about 3.5 s.
bench.addEventListener('cycle', (event) => {
  process.stderr.write(`  measured: ${event.task.name}\n`);
});
process.stderr.write(`  measuring ${String(bench.tasks.length)} tasks, about 3.5 s each\n`);
await bench.run();

// Only the measured iterations (tinybench warms up first with the same function).
const measured = firstAction.slice(-Math.min(firstAction.length, bench.tasks[0]?.runs ?? 0));
const sorted = [...measured].sort((a, b) => a - b);
const runTask = bench.tasks[0]?.result as { throughput?: { mean: number } } | undefined;
const simTask = bench.tasks[1]?.result as
  { throughput?: { mean: number }; latency?: { p50?: number; p99?: number } } | undefined;
const runsPerSecond = runTask?.throughput?.mean ?? 0;
const p99 = percentile(sorted, 99);

console.table([
  {
    measure: 'runs/s (50 elements each)',
    value: Math.round(runsPerSecond),
  },
  {
    measure: `decisions/s (${String(decisionsPerRun)} per run before the ring)`,
    value: Math.round(runsPerSecond * decisionsPerRun),
  },
  { measure: 'start to first telephony action, p50 ms', value: percentile(sorted, 50).toFixed(3) },
  { measure: 'start to first telephony action, p99 ms', value: p99.toFixed(3) },
  {
    measure: 'start to first telephony action, max ms',
    value: (sorted.at(-1) ?? Number.NaN).toFixed(3),
  },
  { measure: 'simulate() runs/s', value: Math.round(simTask?.throughput?.mean ?? 0) },
  { measure: 'simulate() p99 ms', value: (simTask?.latency?.p99 ?? Number.NaN).toFixed(3) },
]);
console.log(
  `p99 start to first telephony action: ${p99.toFixed(3)} ms over ${String(sorted.length)} runs (target < 1 ms: ${p99 < 1 ? 'met' : 'NOT met'})`,
);
