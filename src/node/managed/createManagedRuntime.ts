// Builds the managed backend from the same local parts as the local runtime (store, sandboxes, agents,
// GitHub), with the platform client in place of the harness and the model. Also what an in-process
// worker needs to serve the environment on this machine (the demo, the extension).
import { join } from 'node:path';
import { Anthropic } from '@anthropic-ai/sdk';
import { AgentOsError } from '../../core/errors.ts';
import type { SandboxProvider } from '../../core/sandbox/sandbox.ts';
import { FileSessionStore } from '../session/fileSessionStore.ts';
import { runtimeParts, type LocalRuntimeOptions } from '../runtime/localRuntime.ts';
import { ManagedStateFile } from './managedState.ts';
import { ManagedRuntime } from './managedRuntime.ts';

export interface PlatformConnection {
  apiKey: string;
  /** Another address speaking the platform's API (the stand-in in tests and the demo). */
  baseURL?: string;
  /** A self-hosted environment to use instead of the one Agent OS makes. */
  environmentId?: string;
}

export interface ManagedRuntimeSetup {
  runtime: ManagedRuntime;
  store: FileSessionStore;
  client: Anthropic;
  /** The sandboxes of a repository, for a worker of this process. */
  sandboxes(repository: string): SandboxProvider;
  /** Where the workers of this store record the calls they started. */
  journalDir: string;
}

export function createManagedRuntime(
  options: Omit<LocalRuntimeOptions, 'model'> & { platform: PlatformConnection },
): ManagedRuntimeSetup {
  if (!options.platform.apiKey)
    throw new AgentOsError(
      'INVALID_ARGUMENT',
      'the managed backend needs ANTHROPIC_API_KEY (a key of an organization with Claude Managed Agents access)',
    );
  const store = options.store ?? new FileSessionStore(options.storeDir);
  const parts = runtimeParts(options, store);
  const client = new Anthropic({
    apiKey: options.platform.apiKey,
    ...(options.platform.baseURL ? { baseURL: options.platform.baseURL } : {}),
    maxRetries: 4,
  });
  const runtime = new ManagedRuntime({
    ...parts,
    client,
    state: ManagedStateFile.inStore(options.storeDir, options.platform.baseURL ?? 'default'),
    storeDir: options.storeDir,
    ...(options.platform.environmentId ? { environmentId: options.platform.environmentId } : {}),
    ...(options.onProblem ? { onNote: (id: string, line: string) => options.onProblem?.(`${id}: ${line}`) } : {}),
  });
  return {
    runtime,
    store,
    client,
    sandboxes: (repository) => parts.sandboxes(repository),
    journalDir: join(options.storeDir, '.managed', 'started'),
  };
}
