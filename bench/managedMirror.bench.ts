// The managed backend's mirror: how fast a platform session's history reaches the local log (first
// attach), and what a re-attach after a reload costs when the log already holds it all (read past the
// thread's latest mirrored event) —
// each against the plain cost underneath: durable local appends of the same events, and listing the
// history through the SDK without mirroring anything. Ratios, not absolute times, are what to compare.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Anthropic } from '@anthropic-ai/sdk';
import type { SessionEvent } from '../src/core/events/sessionEvent.ts';
import { SessionLog } from '../src/core/harness/sessionLog.ts';
import { EventMirror } from '../src/node/managed/eventMirror.ts';
import { translateEvent, type PlatformEvent } from '../src/node/managed/eventTranslation.ts';
import { FileSessionStore } from '../src/node/session/fileSessionStore.ts';
import { PlatformStandIn } from '../src/testkit/managed/platformStandIn.ts';

const EVENTS = 6000;
const dir = mkdtempSync(join(tmpdir(), 'agent-os-bench-mirror-'));
const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

async function main(): Promise<void> {
  const platform = await PlatformStandIn.start({ modelUrl: 'http://127.0.0.1:9' });
  const client = new Anthropic({ apiKey: 'stand-in-key', baseURL: platform.url });
  const agent = await client.beta.agents.create({ name: 'Bench', model: 'claude-sonnet-4-6' });
  const environment = await client.beta.environments.create({ name: 'bench', config: { type: 'self_hosted' } });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  const brain = platform.sessions.get(session.id);
  if (!brain) throw new Error('no session');
  const primary = brain.primary.id;
  const history: PlatformEvent[] = [];
  // A realistic mix, in cycles: a model request, a tool call and its result, a message, a thread message
  // (what the mirror links to a delegation).
  const at = () => new Date().toISOString();
  for (let i = 0; history.length < EVENTS; i++) {
    const cycle: PlatformEvent[] = [
      { id: `sevt_s${i}`, type: 'span.model_request_start', processed_at: at() },
      {
        id: `sevt_e${i}`,
        type: 'span.model_request_end',
        processed_at: at(),
        model_request_start_id: `sevt_s${i}`,
        model_usage: { input_tokens: 1200, output_tokens: 80 },
      },
      { id: `sevt_u${i}`, type: 'agent.tool_use', processed_at: at(), name: 'bash', input: { command: 'npm test' } },
      {
        id: `sevt_r${i}`,
        type: 'user.tool_result',
        processed_at: at(),
        tool_use_id: `sevt_u${i}`,
        content: [{ type: 'text', text: `ok ${i}: 42 passed` }],
      },
      {
        id: `sevt_m${i}`,
        type: 'agent.message',
        processed_at: at(),
        content: [{ type: 'text', text: `step ${i}: ran the tests, 42 passed` }],
      },
      {
        id: `sevt_t${i}`,
        type: 'agent.thread_message_sent',
        processed_at: at(),
        to_session_thread_id: 'sthr_elsewhere',
        content: [{ type: 'text', text: 'progress' }],
      },
    ];
    for (const event of cycle) {
      history.push(event);
      brain.events.push({ event: event as never, thread: primary, onSession: true });
    }
  }
  const store = new FileSessionStore(join(dir, 'sessions'));
  const options = (log: SessionLog) => ({
    client,
    sessionId: session.id,
    log,
    primaryThread: primary,
    agentVersion: () => 1,
    modelOf: () => 'claude-sonnet-4-6',
    priceOf: () => 0,
  });

  // Plain local appends of the same events.
  const plainMeta = await store.create({ title: 'plain' });
  const plain = new SessionLog(await store.openWriter(plainMeta.id), plainMeta.id);
  const plainById = new Map<string, SessionEvent>();
  const ctx = {
    primaryThread: primary,
    running: () => false,
    local: (id: string) => plainById.get(id),
    openModelRequestOf: () => undefined,
    heldForPerson: () => undefined,
    confirmed: () => false,
    delegationFor: () => undefined,
    agentVersion: () => 1,
    modelOf: () => 'm',
    priceOf: () => 0,
  };
  let start = process.hrtime.bigint();
  for (const e of history) {
    const input = translateEvent(e, primary, ctx);
    if (input) plainById.set(e.id, await plain.append(input));
  }
  const plainSeconds = seconds(start);
  await plain.close();

  // Listing the history through the SDK, mirroring nothing.
  start = process.hrtime.bigint();
  let listed = 0;
  for await (const _ of client.beta.sessions.events.list(session.id, { limit: 1000 })) listed++;
  const listSeconds = seconds(start);

  const meta = await store.create({ id: session.id, title: 'mirrored' });
  const log = new SessionLog(await store.openWriter(meta.id), meta.id);
  let mirror = new EventMirror(options(log));
  start = process.hrtime.bigint();
  mirror.start();
  await mirror.caughtUp();
  const firstSeconds = seconds(start);
  const mirrored = mirror.mirrored;
  await mirror.stop();

  await log.close();

  // A reload: a fresh writer and log, as another process opens them.
  const reopened = new SessionLog(await store.openWriter(meta.id), meta.id);
  mirror = new EventMirror(options(reopened));
  start = process.hrtime.bigint();
  mirror.start();
  await mirror.caughtUp();
  const againSeconds = seconds(start);
  const duplicates = mirror.mirrored;
  await mirror.stop();
  await reopened.close();
  await platform.close();

  process.stdout.write(`history of ${listed} platform events (${mirrored} mirrored)\n`);
  process.stdout.write(
    `first attach: ${(EVENTS / firstSeconds).toFixed(0)} events/s; ${(firstSeconds / plainSeconds).toFixed(2)}× the durable local appends of the same events (${(plainSeconds * 1000).toFixed(0)} ms)\n`,
  );
  process.stdout.write(
    `re-attach over a full log: ${(againSeconds * 1000).toFixed(0)} ms, ${(againSeconds / listSeconds).toFixed(2)}× listing the history alone (${(listSeconds * 1000).toFixed(0)} ms); ${duplicates} duplicates written (target 0)\n`,
  );
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
