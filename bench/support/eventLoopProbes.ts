// What the harness bench's event-loop measurements lean on: an idle Node process beside it (the floor a
// loaded machine sets), a watch for stalls of the event loop, and which blocking calls the stalls overlap.
import { spawn as spawnProcess } from 'node:child_process';

/** A call that blocked the event loop (a process spawn, a main-thread fsync), in ms since an origin. */
export interface Blocked {
  what: string;
  start: number;
  end: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A child Node process that only measures its own event-loop lag until told to stop (a line on stdin). */
export function spawnIdleProbe(): {
  ready: Promise<void>;
  stop(): Promise<{ p99: number; max: number }>;
  kill(): void;
} {
  const code = [
    "const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 5 });",
    "h.enable(); process.stdout.write('ready\\n');",
    "process.stdin.once('data', () => { h.disable(); process.stdout.write(JSON.stringify({ p99: h.percentile(99) / 1e6, max: h.max / 1e6 }) + '\\n'); process.exit(0); });",
  ].join('\n');
  const child = spawnProcess(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const lines: Array<(line: string) => void> = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      lines.shift()?.(line);
    }
  });
  const next = (): Promise<string> => new Promise((resolve) => lines.push(resolve));
  const ready = next().then(() => undefined);
  return {
    ready,
    async stop() {
      const result = next();
      child.stdin.write('stop\n');
      return JSON.parse(await result) as { p99: number; max: number };
    },
    kill: () => child.kill(),
  };
}

export const STALL_MS = 20;

/** Times when a 1 ms timer fired more than STALL_MS late: the event loop was held (or the process not run). */
export function watchStalls(): { found: { start: number; end: number }[]; stop(): void } {
  const found: { start: number; end: number }[] = [];
  let last = now();
  const timer = setInterval(() => {
    const t = now();
    if (t - last > STALL_MS) found.push({ start: last, end: t });
    last = t;
  }, 1);
  return { found, stop: () => clearInterval(timer) };
}

/** How many stalls (and how much of their time) overlap a process spawn or a main-thread fsync. */
export function attributeStalls(stalls: readonly { start: number; end: number }[], spans: readonly Blocked[]): string {
  const overlap = (s: { start: number; end: number }, kind: (b: Blocked) => boolean): number =>
    spans.filter(kind).reduce((sum, b) => sum + Math.max(0, Math.min(s.end, b.end) - Math.max(s.start, b.start)), 0);
  const isSpawn = (b: Blocked): boolean => b.what.startsWith('spawn');
  const isSync = (b: Blocked): boolean => b.what === 'sync';
  let total = 0;
  let inSpawns = 0;
  let inSyncs = 0;
  let withSpawn = 0;
  for (const s of stalls) {
    total += s.end - s.start;
    const spawnMs = overlap(s, isSpawn);
    inSpawns += Math.min(spawnMs, s.end - s.start);
    inSyncs += Math.min(overlap(s, isSync), s.end - s.start);
    if (spawnMs > 0) withSpawn++;
  }
  return `${stalls.length} stalls, ${total.toFixed(0)} ms; ${withSpawn} of them during a spawn, ${inSpawns.toFixed(0)} ms inside spawn calls, ${inSyncs.toFixed(0)} ms inside main-thread fsyncs`;
}
