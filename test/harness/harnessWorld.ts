// One world per harness test: a temp git repository (with any agent files), the scripted model server
// reached through the real SDK, the file store and real worktrees. Plus small readers over what the
// session wrote and what the server received, so tests assert on the log and the wire, not on internals.
import { execFileSync } from 'node:child_process';
import type { EventOfType, EventType, SessionEvent, StopReason } from '../../src/core/events/sessionEvent.ts';
import type { RecordedRequest } from '../../src/testkit/model/scriptedModelServer.ts';
import type { LocalRuntimeOptions } from '../../src/node/runtime/localRuntime.ts';
import { makeTempRepo, type TempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime, type ScriptedRuntime } from '../support/scriptedRuntime.ts';

export interface HarnessWorld {
  repo: TempRepo;
  rt: ScriptedRuntime;
  /** Starts a one-agent session and waits until it stops. */
  run(agent: string, prompt?: string): Promise<{ id: string; reason: StopReason | undefined }>;
  events(sessionId: string): Promise<SessionEvent[]>;
  /** Requests the server received for one agent (its header), in order. */
  requests(agent: string): RecordedRequest[];
  worktree(sessionId: string): Promise<string>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Files of the repository (agent files go under `.agents/`). */
  files?: Record<string, string>;
  runtime?: Partial<Omit<LocalRuntimeOptions, 'storeDir' | 'model'>> & { apiKey?: string };
  /** Runs on the repository before the runtime starts (symlinks, extra commits). */
  prepare?(repo: TempRepo): void;
}

/** `script` may be a function of the repository, for scripts that name its paths. */
export async function startWorld(script: unknown, options: WorldOptions = {}): Promise<HarnessWorld> {
  const repo = makeTempRepo({ 'README.md': '# sample\n', ...options.files });
  let rt: ScriptedRuntime;
  try {
    options.prepare?.(repo);
    rt = await startScriptedRuntime(
      repo.root,
      typeof script === 'function' ? (script as (r: TempRepo) => unknown)(repo) : script,
      options.runtime,
    );
  } catch (error) {
    repo.cleanup();
    throw error;
  }
  return {
    repo,
    rt,
    async run(agent, prompt = 'Do the task.') {
      const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent, prompt });
      const reason = await rt.runtime.settled(meta.id);
      return { id: meta.id, reason };
    },
    events: (sessionId) => rt.store.read(sessionId),
    requests: (agent) => rt.server.requests.filter((r) => r.agent === agent),
    async worktree(sessionId) {
      return (await rt.runtime.changes(sessionId)).worktree;
    },
    async close() {
      await rt.close();
      repo.cleanup();
    },
  };
}

/** An agent file whose bash calls each wait for the person's confirmation (`ask: [bash]`). */
export function askerAgent(tools: readonly string[] = ['bash', 'read', 'write']): string {
  return `---
name: asker
description: Runs commands only with the person's approval.
tools: [${tools.join(', ')}]
ask: [bash]
---
You run commands when asked.
`;
}

export function ofType<T extends EventType>(events: readonly SessionEvent[], type: T): EventOfType<T>[] {
  return events.filter((e): e is EventOfType<T> => e.type === type);
}

export function resultOf(
  events: readonly SessionEvent[],
  toolUse: SessionEvent,
): EventOfType<'agent.tool_result'> | undefined {
  return ofType(events, 'agent.tool_result').find((r) => r.tool_use_id === toolUse.id);
}

export function resultText(result: EventOfType<'agent.tool_result'> | undefined): string {
  return result?.content.map((b) => b.text).join('\n') ?? '';
}

/** The last user turn of a recorded request, as text (text blocks and tool results). */
export function lastUserText(request: RecordedRequest | undefined): string {
  const body = request?.body as { messages?: { role: string; content: unknown }[] } | undefined;
  const user = [...(body?.messages ?? [])].reverse().find((m) => m.role === 'user');
  return textOf(user?.content);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b: { type?: string; text?: string; content?: unknown }) =>
      b.type === 'text' ? (b.text ?? '') : b.type === 'tool_result' ? textOf(b.content) : '',
    )
    .join('\n');
}

/** Processes whose command line contains `marker` (a unique argument such as `sleep 47.31`). */
export function processesMatching(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Polls until `check` holds; for waiting on another process' progress, never for timing assertions. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
