// Which containers are whose: the labels that tie a container to a storage (a workspace), a session and its
// access and network, the engine's environment, and the work over a storage's containers that needs no
// provider — stopping a session's containers when its run ends, pruning those of sessions that are gone.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { SandboxAccess } from '../../../core/sandbox/sandbox.ts';
import { scrubbedEnv } from '../scrubbedEnv.ts';
import { DockerCli, SESSION_LABEL } from './dockerCli.ts';

const ENGINE_VARIABLES = [
  'DOCKER_HOST',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'DOCKER_API_VERSION',
];

/** Names the provider's storage, so that pruning in one workspace never touches another workspace's
 * containers on the same engine, and equal session ids in two workspaces never share a container. */
export const STORE_LABEL = 'agent-os.store';

export function storeId(stateDir: string): string {
  return createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16);
}

/** The labels that identify one container: a session has one per access mode and network setting, since a
 * container's mounts and network are fixed when it is made. */
export function containerIdLabels(
  store: string,
  sessionId: string,
  access: SandboxAccess,
  network: boolean,
): Record<string, string> {
  return {
    [STORE_LABEL]: store,
    [SESSION_LABEL]: sessionId,
    'agent-os.access': access,
    'agent-os.network': network ? 'on' : 'off',
  };
}

/** The environment of docker and the dev container CLI: the engine's variables and a few harmless ones.
 * The CLI expands `${localEnv:…}` in the configuration from it, so nothing secret may be in it. */
export function engineEnv(parent: NodeJS.ProcessEnv): Record<string, string> {
  const engine: Record<string, string> = {};
  for (const name of ENGINE_VARIABLES) if (parent[name]) engine[name] = parent[name] as string;
  return scrubbedEnv({ home: parent.HOME ?? tmpdir(), parent, extra: engine });
}

/** On start-up: removes the containers (and saved configurations) that a storage's sessions left behind
 * when those sessions no longer exist. Needs no provider, so it runs whatever sandbox kind is chosen.
 * Returns the ids of the containers removed; does nothing when Docker does not answer. */
export async function pruneOrphanContainers(
  options: { stateDir: string; dockerPath?: string; parentEnv?: NodeJS.ProcessEnv },
  liveSessionIds: Iterable<string>,
): Promise<string[]> {
  const docker = new DockerCli({
    ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}),
    env: engineEnv(options.parentEnv ?? process.env),
  });
  const live = new Set(liveSessionIds);
  if (!(await docker.available())) return [];
  const mine = await docker.containersByLabel({ [STORE_LABEL]: storeId(options.stateDir), [SESSION_LABEL]: undefined });
  const orphans = mine.filter((c) => !live.has(owningSession(c.sessionId)));
  await docker.remove(orphans.map((c) => c.id));
  for (const sessionId of new Set(orphans.map((c) => c.sessionId))) {
    await rm(sessionDirOf(options.stateDir, sessionId), { recursive: true, force: true });
  }
  return orphans.map((c) => c.id);
}

/** A session's clean rooms and child repositories run under names derived from its own (sessionRepository.ts:
 * `<id>-clean-<sha12>`, `<id>-child-<key>`). */
export function owningSession(containerSessionId: string): string {
  return /^(.*?)-(clean|child)-/.exec(containerSessionId)?.[1] ?? containerSessionId;
}

/** A clean room is a throw-away copy of one commit, made fresh at every opening, and so is its container. Its
 * folder is writable in the container whoever reads it (a test run writes build output), as under the OS
 * sandbox; only the reading thread's file tools stay read-only. */
export function isCleanRoom(containerSessionId: string): boolean {
  return /-clean-[0-9a-f]{12}$/.test(containerSessionId);
}

/**
 * Stops the running containers of a session, its clean rooms' and children's included, when its run
 * ends: nothing is left running by a session that is not running. The next run starts them again.
 */
export async function stopSessionContainers(
  options: { stateDir: string; dockerPath?: string; parentEnv?: NodeJS.ProcessEnv },
  sessionId: string,
): Promise<string[]> {
  const docker = new DockerCli({
    ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}),
    env: engineEnv(options.parentEnv ?? process.env),
  });
  if (!(await docker.available())) return [];
  const mine = await docker.containersByLabel({ [STORE_LABEL]: storeId(options.stateDir), [SESSION_LABEL]: undefined });
  const running = mine
    .filter((c) => c.state === 'running' && owningSession(c.sessionId) === sessionId)
    .map((c) => c.id);
  await docker.stop(running);
  return running;
}

export function sessionDirOf(stateDir: string, sessionId: string): string {
  return path.join(stateDir, 'sessions', encodeURIComponent(sessionId));
}
