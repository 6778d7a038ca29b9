import type { CallAction, SimulationResult, StepLogEntry } from '@switchboard/flow';

/** The path, the step log as a table, and what the call did, for a person at a terminal. */
export function simulationReport(flow: string, map: unknown, result: SimulationResult): string {
  const name =
    typeof map === 'object' && map !== null && typeof (map as { name?: unknown }).name === 'string'
      ? (map as { name: string }).name
      : flow;
  const f = result.facts;
  const caller =
    f.callerKind === 'anonymous'
      ? 'an anonymous caller'
      : f.contact !== null
        ? `${f.contact.name} ${f.callerNumber ?? ''} (known${f.handlingCode === null ? ', no code' : `, code ${f.handlingCode}`})`
        : `${f.callerNumber ?? ''} (unknown)`;
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: f.user.timezone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  for (const part of format.formatToParts(f.startedAt)) parts[part.type] = part.value;
  const when = `${parts.weekday ?? ''} ${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''} ${parts.hour ?? ''}:${parts.minute ?? ''}`;
  const lines = [
    `Simulated "${name}" (${flow})`,
    `Call: ${caller} to ${f.user.name} (${f.user.id}), status ${f.status}, ${when} ${f.user.timezone}`,
    '',
    `Path: ${result.path.join(' -> ') || '(none)'}`,
    `Outcome: ${result.outcome}, after ${clock(result.endedAt - result.startedAt).slice(1)} (virtual time)`,
  ];
  if (Object.keys(result.variables).length > 0) {
    lines.push(
      `Variables: ${Object.entries(result.variables)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ')}`,
    );
  }
  lines.push('', 'Step log:', ...table(result.steps, result.startedAt));
  lines.push(
    '',
    'What the call did:',
    ...result.actions.map(
      (a) => `  ${clock(a.at - result.startedAt).padStart(6)}  ${describeAction(a)}`,
    ),
  );
  return lines.join('\n');
}

function table(steps: readonly StepLogEntry[], start: number): string[] {
  const rows = steps.map((s) => [
    String(s.seq),
    clock(s.at - start),
    s.kind,
    s.flow,
    s.node ?? '',
    s.type ?? '',
    s.pin ?? '',
    s.durationMs === undefined ? '' : took(s.durationMs),
    s.detail === undefined ? '' : JSON.stringify(s.detail),
  ]);
  const header = ['#', 'time', 'step', 'flow', 'node', 'element', 'pin', 'took', 'detail'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map(
    (row) =>
      '  ' +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
  );
}

/** `+1:05` from the start of the call. */
function clock(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `+${h}:${String(m).padStart(2, '0')}:${s}` : `+${m}:${s}`;
}

function took(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function describeAction(action: CallAction): string {
  const result = (r: unknown): string =>
    r === undefined ? '(still going)' : r === 'cancelled' ? 'cancelled' : JSON.stringify(r);
  switch (action.op) {
    case 'progress':
      return 'early media (183)';
    case 'answer':
      return 'answered the caller';
    case 'ring':
      return `ring ${action.targets.join(', ')} (${action.mode}, ${action.timeoutSeconds} s) -> ${result(action.result)}`;
    case 'play':
      return `play ${action.prompts.map((p) => (p.kind === 'tts' ? JSON.stringify(p.text) : p.kind === 'file' ? p.file : `${p.ms} ms silence`)).join(', ')}${action.early ? ' (early media)' : ''} -> ${result(action.result)}`;
    case 'collect':
      return `collect up to ${action.request.maxDigits} digits -> ${result(action.result)}`;
    case 'record':
      return `record (max ${action.request.maxSeconds} s) -> ${result(action.result)}`;
    case 'notify':
      return `notify desktop [${action.request.choices.map((c) => c.id).join(', ')}] -> ${result(action.result)}${action.notOffered === undefined ? '' : ` (the script's "${action.notOffered}" was not offered)`}`;
    case 'chat':
      return `open chat -> ${result(action.result)}`;
    case 'key':
      return `caller pressed ${action.digit}`;
    case 'reject':
      return `rejected with ${action.code}${action.reason === undefined ? '' : ` ${action.reason}`}`;
    case 'hang-up':
      return action.by === 'caller' ? 'the caller hung up' : 'the flow hung up';
  }
}
