// The runtime's cost of supervising a plan step, on real parts (scripted model server through the real SDK,
// file store, the chosen sandbox): a Coder reports N steps with `complete_step` (each validation is `true`),
// then makes N plain `bash` calls of `true`. For each call, (start of the next model request − start of this
// one) − model time − the sandbox's own run is what Agent OS itself spent; the validation's extra over a
// plain call is the supervision's overhead (its step events, the run record, the answer built from it).
// Then compaction's cost on a 2,000-turn thread (in memory).
import { join } from 'node:path';
import { AnthropicModelClient } from '../src/node/model/anthropicModelClient.ts';
import { createLocalRuntime } from '../src/node/runtime/localRuntime.ts';
import { parseModelScript } from '../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../src/testkit/model/scriptedModelServer.ts';
import { EVENT_SCHEMA_VERSION, type EventInput, type SessionEvent } from '../src/core/events/sessionEvent.ts';
import { compactionSummary } from '../src/core/harness/compaction.ts';
import { buildTranscript } from '../src/core/harness/threadContext.ts';
import { makeTempRepo } from '../test/support/gitRepo.ts';
import { spanNow, timedModel, timedSandboxes, type Span } from './support/timedParts.ts';
import { shutdownOsSandbox } from '../src/node/sandbox/osSandbox.ts';

const STEPS = 60;

function line(name: string, value: string, target?: string): void {
  process.stdout.write(`${name}: ${value}${target ? ` (target ${target})` : ''}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

async function main(): Promise<void> {
  const repo = makeTempRepo({
    'README.md': '# sample\n',
    'package.json': '{ "name": "sample", "scripts": { "test": "node --test" } }\n',
  });
  const plan = {
    summary: 'Many small steps.',
    steps: Array.from({ length: STEPS }, (_, i) => ({
      id: String(i + 1),
      title: `Step ${i + 1}`,
      description: 'Nothing to change.',
      files: [],
      validation: 'true',
    })),
  };
  const send = (agent: string, message: string) => ({
    type: 'tool_use',
    name: 'send_to_agent',
    input: { agent_name: agent, message },
  });
  const script = {
    agents: {
      Coordinator: [
        { content: [send('Planner', 'Plan.')] },
        { content: [send('Coder', 'Carry out the plan.')] },
        { content: [{ type: 'text', text: 'Done.' }] },
      ],
      Planner: [{ content: [{ type: 'text', text: '```json\n' + JSON.stringify(plan) + '\n```' }] }],
      Coder: [
        ...plan.steps.map((s) => ({
          content: [{ type: 'tool_use', name: 'complete_step', input: { step_id: s.id } }],
        })),
        ...plan.steps.map((s) => ({
          content: [{ type: 'tool_use', name: 'bash', input: { command: `true # ${s.id}` } }],
        })),
        { content: [{ type: 'text', text: 'All steps passed.' }] },
      ],
    },
  };
  const server = await ScriptedModelServer.start({ script: parseModelScript(script) });
  const real = new AnthropicModelClient({ apiKey: 'bench-key', baseURL: server.url, maxRetries: 2 });
  const coderModel: Span[] = [];
  const coderTools: Span[] = [];
  const model = timedModel(real, (span, agent) => agent === 'Coder' && coderModel.push(span));
  const sandboxes = timedSandboxes((span, request) => coderThreads.has(request.threadId) && coderTools.push(span));
  const coderThreads = new Set<string>();
  // As in harness.bench.ts: on a machine where nothing confines, the bench consents to its own commands.
  const local = createLocalRuntime({
    storeDir: join(repo.root, 'store'),
    model,
    sandboxes,
    trustUnconfinedCommands: true,
  });
  try {
    const meta = await local.runtime.startSingleAgent({
      repository: repo.repo,
      agent: 'Coordinator',
      prompt: 'Carry out many steps.',
    });
    // The Coder's thread id, once created, decides which sandbox calls are timed.
    const stopFollow = new AbortController();
    const following = (async () => {
      for await (const e of local.store.follow(meta.id, { fromSeq: 1, signal: stopFollow.signal })) {
        if (e.type === 'session.thread_created' && e.agent_name === 'Coder') coderThreads.add(e.session_thread_id);
      }
    })().catch(() => undefined);
    const reason = await local.runtime.settled(meta.id);
    stopFollow.abort();
    await following;
    if (reason?.type !== 'end_turn') throw new Error(`the session stopped with ${JSON.stringify(reason)}`);
    const events = await local.store.read(meta.id);
    const runs = events.filter((e) => e.type === 'agent_os.validation_run');
    if (runs.length !== STEPS || coderModel.length !== 2 * STEPS + 1 || coderTools.length !== 2 * STEPS) {
      throw new Error(
        `expected ${STEPS} runs, ${2 * STEPS + 1} Coder requests and ${2 * STEPS} timed calls; got ${runs.length}, ${coderModel.length}, ${coderTools.length}`,
      );
    }
    const own = (i: number): number => {
      const m = coderModel[i] as Span;
      const t = coderTools[i] as Span;
      return (coderModel[i + 1] as Span).start - m.start - (m.end - m.start) - (t.end - t.start);
    };
    // The first call of each kind opens things (the sandbox, a fresh shell): reported apart from the steady state.
    const validation = Array.from({ length: STEPS - 1 }, (_, i) => own(i + 1)).sort((a, b) => a - b);
    const plain = Array.from({ length: STEPS - 1 }, (_, i) => own(STEPS + i + 1)).sort((a, b) => a - b);
    const commandTimes = coderTools
      .slice(1, STEPS)
      .map((t) => t.end - t.start)
      .sort((a, b) => a - b);
    const extra = percentile(validation, 50) - percentile(plain, 50);
    line(
      'runtime overhead of a validation run (beyond the command), median',
      `${percentile(validation, 50).toFixed(2)} ms`,
      '< 10 ms',
    );
    line('runtime overhead of a validation run, p95', `${percentile(validation, 95).toFixed(2)} ms`);
    line('runtime overhead of a plain bash call, median', `${percentile(plain, 50).toFixed(2)} ms`);
    line(
      "supervision's extra over a plain call, median",
      `${extra.toFixed(2)} ms (4 more log records: step running, the run, the step's state; the answer)`,
    );
    line(
      'the validation command itself (`true`, in a fresh shell), median',
      `${percentile(commandTimes, 50).toFixed(2)} ms`,
    );
    const sandbox = events.find((e) => e.type === 'agent_os.session_configured');
    line('sandbox', sandbox?.type === 'agent_os.session_configured' ? sandbox.sandbox.kind : '?');
  } finally {
    await local.runtime.dispose();
    await server.close();
    repo.cleanup();
  }
}

/** Compaction's own cost on a long thread: building the summary from the log, and the transcript after it
 * against the one before (what every later request is built from). In memory: the append is one record. */
function compactionCost(): void {
  const TURNS = 2_000;
  const T = 'sthr_bench';
  const events: SessionEvent[] = [];
  const add = (e: EventInput): void => {
    events.push({
      ...e,
      id: `sevt_${events.length + 1}`,
      seq: events.length + 1,
      processed_at: '2026-01-01T00:00:00Z',
      schema_version: EVENT_SCHEMA_VERSION,
    } as SessionEvent);
  };
  add({
    type: 'user.message',
    thread: T,
    content: [{ type: 'text', text: 'Read every module and fix what is wrong.' }],
  });
  for (let i = 0; i < TURNS; i++) {
    add({
      type: 'span.model_request_end',
      thread: T,
      model_request_start_id: 'x',
      is_error: false,
      cost_usd: 0,
      model_usage: { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      content: [
        { type: 'text', text: `Reading ${i}.` },
        { type: 'tool_use', id: `toolu_${i}`, name: 'read', input: { file_path: `src/m${i}.js` } },
      ],
    });
    add({
      type: 'agent.tool_use',
      thread: T,
      name: 'read',
      input: { file_path: `src/m${i}.js` },
      model_tool_use_id: `toolu_${i}`,
      evaluated_permission: 'allow',
    });
    add({
      type: 'agent.tool_result',
      thread: T,
      tool_use_id: events.at(-1)!.id,
      content: [{ type: 'text', text: `// module ${i}\n${'x'.repeat(400)}` }],
      is_error: false,
    });
  }
  const timeIt = (f: () => unknown): number => {
    const times: number[] = [];
    for (let r = 0; r < 15; r++) {
      const t = spanNow();
      f();
      times.push(spanNow() - t);
    }
    return percentile(
      times.sort((a, b) => a - b),
      50,
    );
  };
  const before = buildTranscript(events);
  const summaryMs = timeIt(() => compactionSummary(events, undefined));
  add({
    type: 'agent.thread_context_compacted',
    thread: T,
    pre_compaction_tokens: 0,
    summary: compactionSummary(events, undefined),
    through_seq: events.length,
  });
  const after = buildTranscript(events);
  const bytes = (m: unknown): number => JSON.stringify(m).length;
  line(`compaction of a ${TURNS}-turn thread: building the summary, median`, `${summaryMs.toFixed(2)} ms`, '< 50 ms');
  line(
    '  transcript rebuild after compaction, median',
    `${timeIt(() => buildTranscript(events)).toFixed(2)} ms (before: ${timeIt(() => buildTranscript(events.slice(0, -1))).toFixed(2)} ms)`,
  );
  line('  request messages before and after', `${bytes(before.messages)} B → ${bytes(after.messages)} B`);
}

// The OS sandbox's proxies (sandbox-runtime) keep the process alive once the bench is done: shut them down.
main()
  .then(compactionCost)
  .then(() => shutdownOsSandbox())
  .then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
