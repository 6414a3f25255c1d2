// The session log's cost against the disk's own: durable appends vs a raw write+fdatasync loop on the
// same file system, batched appends, and opening + folding a 100,000-event session vs a raw
// line-split + JSON.parse of the same file.
//
// The code under test is bundled by esbuild the way esbuild.js bundles the CLI and the extension, and
// loaded from that bundle: the tsx loader that runs this file wraps every closure in a naming helper,
// which the shipped code does not have and which would count against the fold.
import { closeSync, fdatasync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { EventInput } from '../src/core/events/sessionEvent.ts';
import type * as SessionState from '../src/core/session/sessionState.ts';
import type * as FileStore from '../src/node/session/fileSessionStore.ts';
import type * as RecordCodec from '../src/node/session/recordCodec.ts';

const SYNC_APPENDS = 4000;
const BATCH_APPENDS = 50_000;
const FOLD_EVENTS = 100_000;
const ROUNDS = 3;
const FOLD_ROUNDS = 7;

const dir = mkdtempSync(join(tmpdir(), 'agent-os-bench-'));

function shipped(): typeof SessionState & typeof FileStore & typeof RecordCodec {
  const src = join(__dirname, '..', 'src');
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    [
      `export { foldSession } from ${JSON.stringify(join(src, 'core/session/sessionState.ts'))};`,
      `export { FileSessionStore } from ${JSON.stringify(join(src, 'node/session/fileSessionStore.ts'))};`,
      `export { encodeRecord } from ${JSON.stringify(join(src, 'node/session/recordCodec.ts'))};`,
    ].join('\n'),
  );
  const outfile = join(dir, 'entry.js');
  buildSync({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'error' });
  return require(outfile) as typeof SessionState & typeof FileStore & typeof RecordCodec;
}

const { foldSession, FileSessionStore, encodeRecord } = shipped();
const store = new FileSessionStore(join(dir, 'sessions'));

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function line(name: string, value: string, target?: string): void {
  process.stdout.write(`${name}: ${value}${target ? ` (target ${target})` : ''}\n`);
}

const THREAD = 'sthr_bench';
function message(i: number): EventInput {
  return { type: 'agent.message', thread: THREAD, content: [{ type: 'text', text: `Step ${i}: ran the tests, 42 passed, moving on to the next file.` }] };
}

/** A realistic cycle of six events: a model span with usage, a tool use and its result, a message and
 * a status change. The result answers the tool use's real id, as the harness's would. */
function cycle(i: number, toolUseId?: string): EventInput[] {
  const thread = i % 2 === 0 ? 'sthr_coder' : THREAD;
  if (toolUseId === undefined) {
    return [
      { type: 'span.model_request_start', thread, model: 'claude-sonnet-4-5' },
      {
        type: 'span.model_request_end',
        thread,
        model_request_start_id: `sevt_start${i}`,
        is_error: false,
        model_usage: { input_tokens: 1200, output_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 9000 },
        cost_usd: 0.0081,
        content: [{ type: 'text', text: 'Let me look at the failing test.' }],
        stop_reason: 'tool_use',
      },
      { type: 'agent.tool_use', thread, name: 'bash', input: { command: `npm test -- parser${i}` }, model_tool_use_id: `toolu_${i}`, evaluated_permission: 'allow' },
    ];
  }
  return [
    { type: 'agent.tool_result', thread, tool_use_id: toolUseId, content: [{ type: 'text', text: `ok ${i} - parses nested lists\n# pass 12\n# fail 0\n` }], is_error: false },
    message(i),
    { type: 'session.thread_status_running', thread, session_thread_id: thread, agent_name: 'coder' },
  ];
}

/** write(2) then fdatasync in the thread pool, awaited: what the writer does per 'sync' append. */
function writeAndDatasync(fd: number, record: Buffer): Promise<void> {
  writeSync(fd, record);
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Durable appends through the store, one at a time, against the same bytes written and fdatasynced on
 * the same disk by hand: with the fdatasync in the thread pool, as the writer does it (the fair
 * comparison), and on the main thread (fewer thread hops, but it blocks the event loop). The three
 * alternate in slices of 50 so that all see the same disk: on a shared machine fsync latency drifts by
 * 2x within seconds, which would swamp the difference between them. Also how long each append holds
 * the event loop (the synchronous part of the call: stamp, encode, write, fence check) against the
 * blocking loop's write + fdatasyncSync: the point of the thread pool.
 */
async function syncRates() {
  const { id } = await store.create({ title: 'sync appends' });
  const writer = await store.openWriter(id);
  const record = encodeRecord('event', JSON.stringify({ ...message(0), id: 'sevt_0123456789abcdef', seq: 1, processed_at: new Date().toISOString(), schema_version: 1 }));
  const fd = openSync(join(dir, 'raw.jsonl'), 'a');
  const SLICE = 50;
  const time = { ours: 0, rawAsync: 0, rawSync: 0 };
  const vsAsync: number[] = [];
  const vsSync: number[] = [];
  const onLoop = { ours: [] as number[], rawSync: [] as number[] };
  for (let done = 0; done < SYNC_APPENDS; done += SLICE) {
    let start = process.hrtime.bigint();
    for (let i = 0; i < SLICE; i++) {
      const call = process.hrtime.bigint();
      writeSync(fd, record);
      fdatasyncSync(fd);
      onLoop.rawSync.push(seconds(call) * 1000);
    }
    const rawSync = seconds(start);
    start = process.hrtime.bigint();
    for (let i = 0; i < SLICE; i++) await writeAndDatasync(fd, record);
    const rawAsync = seconds(start);
    start = process.hrtime.bigint();
    for (let i = 0; i < SLICE; i++) {
      const call = process.hrtime.bigint();
      const appended = writer.append(message(done + i), 'sync');
      onLoop.ours.push(seconds(call) * 1000);
      await appended;
    }
    const ours = seconds(start);
    time.ours += ours;
    time.rawAsync += rawAsync;
    time.rawSync += rawSync;
    vsAsync.push(rawAsync / ours);
    vsSync.push(rawSync / ours);
  }
  closeSync(fd);
  await writer.close();
  // The median of the slices' ratios: a burst of someone else's I/O lands in one slice, not in the result.
  return {
    ours: SYNC_APPENDS / time.ours,
    rawAsync: SYNC_APPENDS / time.rawAsync,
    rawSync: SYNC_APPENDS / time.rawSync,
    vsAsync: median(vsAsync),
    vsSync: median(vsSync),
    onLoop,
  };
}

/**
 * Group commit: SESSIONS sessions with two threads each append 'sync' records at once, against the
 * same writers appending one record at a time (the disk's round trip bounds that rate).
 */
async function concurrentRate(): Promise<{ rate: number; syncsPerAppend: number }> {
  const SESSIONS = 8;
  const PER_THREAD = 100;
  const writers = await Promise.all(
    Array.from({ length: SESSIONS }, async (_, s) => store.openWriter((await store.create({ title: `concurrent ${s}` })).id)),
  );
  const fsModule = require('node:fs') as { fdatasync: typeof fdatasync };
  const real = fsModule.fdatasync;
  let syncs = 0;
  fsModule.fdatasync = ((fd: number, cb: (error: NodeJS.ErrnoException | null) => void) => {
    syncs++;
    real(fd, cb);
  }) as typeof fdatasync;
  const start = process.hrtime.bigint();
  try {
    await Promise.all(
      writers.flatMap((writer) =>
        [0, 1].map(async () => {
          for (let i = 0; i < PER_THREAD; i++) await writer.append(message(i), 'sync');
        }),
      ),
    );
  } finally {
    fsModule.fdatasync = real;
  }
  const total = SESSIONS * 2 * PER_THREAD;
  const rate = total / seconds(start);
  for (const writer of writers) await writer.close();
  return { rate, syncsPerAppend: syncs / total };
}

async function batchRate(): Promise<number> {
  const { id } = await store.create({ title: 'batch appends' });
  const writer = await store.openWriter(id);
  const start = process.hrtime.bigint();
  for (let i = 0; i < BATCH_APPENDS; i++) await writer.append(message(i), 'batch');
  await writer.flush();
  const rate = BATCH_APPENDS / seconds(start);
  await writer.close();
  return rate;
}

async function main(): Promise<void> {
  const sync = await syncRates();
  line('append, fsync per record (fdatasync in the thread pool)', `${sync.ours.toFixed(0)} records/s`);
  line('raw write + fdatasync-in-thread-pool loop', `${sync.rawAsync.toFixed(0)} records/s`);
  line('append fsync ratio vs the same-kind raw loop (median of 50-append slices)', `${sync.vsAsync.toFixed(2)}x`, '>= 0.8x');
  line('raw write + fdatasyncSync loop (blocks the event loop)', `${sync.rawSync.toFixed(0)} records/s`);
  line('append fsync ratio vs the blocking raw loop (median of 50-append slices)', `${sync.vsSync.toFixed(2)}x`);
  const spread = (ms: number[]): string => {
    const sorted = [...ms].sort((a, b) => a - b);
    const at = (p: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number).toFixed(3);
    return `median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
  };
  line('  event loop held per sync append, ours', spread(sync.onLoop.ours));
  line('  event loop held per record, blocking raw loop (write + fdatasyncSync)', spread(sync.onLoop.rawSync));
  const concurrent = await concurrentRate();
  line('append, fsync per record, 8 sessions x 2 threads at once', `${concurrent.rate.toFixed(0)} records/s, ${concurrent.syncsPerAppend.toFixed(2)} fdatasyncs per append`);

  let batched = 0;
  for (let round = 0; round < ROUNDS; round++) batched = Math.max(batched, await batchRate());
  line('append, batched', `${batched.toFixed(0)} records/s`);

  const { id } = await store.create({ title: 'fold' });
  const writer = await store.openWriter(id);
  for (let i = 0; i < Math.floor(FOLD_EVENTS / 6); i++) {
    const first = await writer.appendMany(cycle(i), 'batch');
    await writer.appendMany(cycle(i, first[2]?.id), 'batch');
  }
  await writer.appendMany(Array.from({ length: FOLD_EVENTS % 6 }, (_, i) => message(i)), 'batch');
  await writer.close();
  const logFile = join(store.sessionDir(id), 'events.jsonl');

  // Interleaved, and the fastest of each: on a shared machine a round can lose the CPU at any moment.
  let foldTime = Number.POSITIVE_INFINITY;
  let rawTime = Number.POSITIVE_INFINITY;
  let lastSeq = 0;
  let breakdown = { read: 0, fold: 0 };
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  for (let round = 0; round < FOLD_ROUNDS; round++) {
    gc();
    let start = process.hrtime.bigint();
    const parsed = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as unknown);
    rawTime = Math.min(rawTime, seconds(start));
    if (parsed.length !== FOLD_EVENTS) throw new Error(`raw parse saw ${parsed.length} lines`);

    gc();
    start = process.hrtime.bigint();
    const events = await store.read(id);
    const readTime = seconds(start);
    const state = foldSession(id, events);
    const total = seconds(start);
    if (total < foldTime) breakdown = { read: readTime, fold: total - readTime };
    foldTime = Math.min(foldTime, total);
    lastSeq = state.lastSeq;
  }
  if (lastSeq !== FOLD_EVENTS) throw new Error(`fold ended at seq ${lastSeq}`);
  const mib = readFileSync(logFile).length / 1024 / 1024;
  line(`open + fold ${FOLD_EVENTS} events (${mib.toFixed(1)} MiB)`, `${(foldTime * 1000).toFixed(0)} ms`, '< 1000 ms');
  line('  of which read + checksums + parse', `${(breakdown.read * 1000).toFixed(0)} ms`);
  line('  of which foldSession', `${(breakdown.fold * 1000).toFixed(0)} ms`);
  line('raw line-split + JSON.parse of the same file', `${(rawTime * 1000).toFixed(0)} ms`);
  line('open + fold speed vs raw', `${(rawTime / foldTime).toFixed(2)}x`, '>= 0.5x');
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
