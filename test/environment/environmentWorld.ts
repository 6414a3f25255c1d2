// A runtime on real parts over a fixture repository, for the set-up tests: the scripted model server through
// the real SDK, real git worktrees, the sandbox kind asked for, and the Coder running the given commands.
import { join } from 'node:path';
import type { EventOfType, SessionEvent, StopReason } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import type { SessionSandboxes } from '../../src/core/sandbox/sessionSandboxes.ts';
import { chosenSessionSandboxes } from '../../src/node/sandbox/chosenSessionSandboxes.ts';
import { chooseSandbox, type SandboxSetting } from '../../src/node/sandbox/sandboxChoice.ts';
import type { LocalRuntimeOptions } from '../../src/node/runtime/localRuntime.ts';
import { startScriptedRuntime, type ScriptedRuntime } from '../support/scriptedRuntime.ts';

/** A Coder that runs the first session's commands with `bash`, then says it is done. The scripted model
 * answers by turn within a conversation, so every session of one runtime starts again at turn 1 (the first
 * list): a test that needs other commands in a later session starts a runtime of its own for it. */
export function coderRunning(sessions: readonly (readonly string[])[]): unknown {
  return {
    agents: {
      Coder: sessions.flatMap((commands) => [
        ...commands.map((command) => ({
          content: [{ type: 'tool_use', name: 'bash', input: { command, timeout_ms: 120_000 } }],
        })),
        { content: [{ type: 'text', text: 'Done.' }] },
      ]),
    },
  };
}

export async function startEnvironmentRuntime(
  root: string,
  commands: readonly (readonly string[])[],
  options: Partial<Omit<LocalRuntimeOptions, 'storeDir' | 'model'>> = {},
): Promise<ScriptedRuntime> {
  return startScriptedRuntime(root, coderRunning(commands), { bashDefaultTimeoutMs: 120_000, ...options });
}

/** Waits for the session to stop, answering Allow to each command that asks (an unconfined sandbox asks
 * for every one), as the person would; returns the stop reason that is not such a question. */
export async function settledAllowing(rt: ScriptedRuntime, sessionId: string): Promise<StopReason | undefined> {
  let stop = await rt.runtime.settled(sessionId);
  for (;;) {
    if (stop?.type !== 'requires_action') return stop;
    const waiting = stop.event_ids;
    const asking = eventsOf(await rt.store.read(sessionId), 'agent.tool_use').filter(
      (u) => u.evaluated_permission === 'ask' && waiting.includes(u.id),
    );
    if (asking.length === 0) return stop;
    // Each answer runs the session on until it stops again.
    for (const use of asking) await rt.runtime.confirmTool(sessionId, use.id, true);
    stop = foldSession(sessionId, await rt.store.read(sessionId)).stopReason;
  }
}

export function eventsOf<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T): EventOfType<T>[] {
  return events.filter((e): e is EventOfType<T> => e.type === type);
}

/** What each of the Coder's bash calls answered, in order. */
export function bashResults(events: readonly SessionEvent[]): { text: string; isError: boolean }[] {
  return eventsOf(events, 'agent.tool_result').map((r) => ({
    text: r.content.map((b) => b.text).join(''),
    isError: r.is_error,
  }));
}

/** The sandboxes of a repository as the runtime makes them (same storage), for opening a clean room, a reader's
 * snapshot or a child worktree directly. */
export async function sandboxesFor(
  storeDir: string,
  repository: string,
  setting: SandboxSetting,
): Promise<SessionSandboxes> {
  const choice = await chooseSandbox({ setting, repository });
  return chosenSessionSandboxes(choice, {
    storageDir: join(storeDir, '.worktrees'),
    repository,
    bashDefaultTimeoutMs: 120_000,
  });
}
