// The sandbox kinds the set-up tests run in, and what each needs: whether it works here (a dev container's
// engine is made the test's DOCKER_HOST), a dev container configuration on the local base image, a sandbox of
// a session opened with its environment given as the runtime gives it (the Reviewer's clean room), and the
// removal of a runtime's sessions (containers outlive the runtime).
import type { TestContext } from 'node:test';
import type { Sandbox } from '../../src/core/sandbox/sandbox.ts';
import { readyEventIn } from '../../src/node/environment/sessionEnvironment.ts';
import type { SandboxSetting } from '../../src/node/sandbox/sandboxChoice.ts';
import { BASE_IMAGE } from '../devcontainer/dockerEngine.ts';
import { dockerHost, requireDocker, requireOsSandbox, type Requirement } from '../support/requirements.ts';
import type { ScriptedRuntime } from '../support/scriptedRuntime.ts';
import { sandboxesFor } from './environmentWorld.ts';

/** Why `kind` cannot run here (false when it can); for a dev container, the engine becomes DOCKER_HOST
 * for the test. */
export async function kindUnavailable(kind: SandboxSetting, t: TestContext): Promise<Requirement> {
  if (kind === 'os' || kind === 'bubblewrap') return requireOsSandbox();
  if (kind !== 'devcontainer') return false;
  const why = requireDocker();
  if (why) return why;
  const host = dockerHost();
  const previous = process.env.DOCKER_HOST;
  if (host) process.env.DOCKER_HOST = host;
  t.after(() => {
    if (previous === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = previous;
  });
  return false;
}

/** `.devcontainer/devcontainer.json` on the local base image, as root. */
export function devcontainerJson(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: 'fixture',
    image: BASE_IMAGE,
    remoteUser: 'root',
    updateRemoteUserUID: false,
    ...extra,
  });
}

/** The Reviewer's clean room at the session's head, read-only and without network of its own, with the
 * session's environment given as the runtime gives it. */
export async function openCleanRoom(
  rt: ScriptedRuntime,
  repository: string,
  sessionId: string,
  kind: SandboxSetting,
): Promise<Sandbox> {
  const ready = readyEventIn(await rt.store.read(sessionId));
  const sandboxes = rt.environment!.wrap(
    await sandboxesFor(rt.storeDir, repository, kind),
    repository,
    sessionId,
    () => ready,
  );
  const head = (await sandboxes.changes(sessionId)).head;
  return sandboxes.open({
    sessionId,
    threadId: 'reviewer',
    access: 'read_only',
    network: false,
    enabledTools: ['bash'],
    workspace: { kind: 'clean_room', commit: head },
  });
}

/** Removes every session of the runtime with its containers (a dev container's outlive the runtime). */
export async function removeSessions(rt: ScriptedRuntime): Promise<void> {
  for (const id of (await rt.store.list()).map((s) => s.id)) await rt.runtime.delete(id).catch(() => undefined);
}
