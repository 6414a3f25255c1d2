// Yardsticks measured in the same run as what they measure, so a comparison says something on a loaded
// machine: a shared 2-core box makes every absolute time swing by 2–3×, while the ratio of our cost to a
// fixed piece of work done in the same minutes, on the same disk, moves much less. And a baseline: ratios
// recorded once (bench/baselines.json) that a later run is compared with, "not worse than before".
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A record the size of a typical tool result event, as the session log writes it. */
const RECORD = `${JSON.stringify({ type: 'agent.tool_result', content: [{ type: 'text', text: 'x'.repeat(1_500) }], is_error: false })}\n`;

/** Median ms of one durable append in `dir` (write one record, then fdatasync, in the thread pool as the
 * session store does): the unit the harness's disk wait is counted in. */
export async function durableAppendMs(dir: string, samples = 60): Promise<number> {
  const file = join(dir, `reference-${process.pid}.jsonl`);
  const handle = await open(file, 'a');
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const start = now();
      await handle.write(RECORD);
      await handle.datasync();
      times.push(now() - start);
    }
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
  return median(times);
}

/** Median ms to encode, checksum and parse back a batch of such records, about a millisecond of work: the
 * unit the harness's CPU time is counted in. A batch, not one record: a sample as long as what it measures
 * is as likely to be cut by the scheduler, which is what makes the ratio hold still on a loaded machine. */
export function recordCodecMs(samples = 200, batch = 100): number {
  const value = JSON.parse(RECORD) as unknown;
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = now();
    for (let j = 0; j < batch; j++) {
      const text = JSON.stringify(value);
      createHash('sha256').update(text).digest('hex');
      JSON.parse(text);
    }
    times.push(now() - start);
  }
  return median(times);
}

export function times(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

const BASELINES = join(__dirname, '..', 'baselines.json');

interface Baselines {
  note: string;
  recorded: Record<string, { ratio: number; at: string }>;
}

function readBaselines(): Baselines {
  if (!existsSync(BASELINES)) return { note: '', recorded: {} };
  return JSON.parse(readFileSync(BASELINES, 'utf8')) as Baselines;
}

/**
 * How `ratio` compares with the one recorded under `name`: "0.97× the baseline (1.84×, recorded …)".
 * With AGENT_OS_BENCH_RECORD=1 the run records its ratio as the new baseline instead.
 */
export function againstBaseline(name: string, ratio: number): string {
  const baselines = readBaselines();
  if (process.env['AGENT_OS_BENCH_RECORD']) {
    baselines.note ||=
      'Ratios of bench/*.bench.ts recorded with AGENT_OS_BENCH_RECORD=1 npm run bench; later runs print theirs against these.';
    baselines.recorded[name] = { ratio: Number(ratio.toFixed(3)), at: new Date().toISOString().slice(0, 10) };
    writeFileSync(BASELINES, `${JSON.stringify(baselines, null, 2)}\n`);
    return 'recorded as the baseline';
  }
  const base = baselines.recorded[name];
  if (!base) return 'no baseline recorded (AGENT_OS_BENCH_RECORD=1 records one)';
  return `${times(ratio / base.ratio)} the baseline (${times(base.ratio)}, recorded ${base.at})`;
}
