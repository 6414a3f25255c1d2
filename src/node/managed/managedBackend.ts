// The managed backend with a worker of this process serving its self-hosted environment: what the
// extension and the CLI run when the setting says `managed` (several windows or `agent-os worker`
// processes may serve the same environment; the platform gives each session's work to one of them).
import type { LocalRuntimeOptions } from '../runtime/localRuntime.ts';
import { createManagedRuntime, type PlatformConnection } from './createManagedRuntime.ts';
import { runEnvironmentWorker } from './environmentWorker.ts';
import type { ManagedRuntime } from './managedRuntime.ts';

export interface ManagedBackend {
  runtime: ManagedRuntime;
  store: ReturnType<typeof createManagedRuntime>['store'];
  /** Lets the sessions go (they go on on the platform) and stops this process's worker. */
  dispose(): Promise<void>;
}

export async function startManagedBackend(
  parts: Omit<LocalRuntimeOptions, 'model'>,
  platform: PlatformConnection & { environmentKey?: string },
  onWorkerLine: (line: string) => void,
  options: { serveTools?: boolean } = {},
): Promise<ManagedBackend> {
  const setup = createManagedRuntime({ ...parts, platform });
  const stop = new AbortController();
  let serving: Promise<void> = Promise.resolve();
  if (options.serveTools !== false) {
    const environmentId = await setup.runtime.environmentId();
    serving = runEnvironmentWorker({
      apiKey: platform.apiKey,
      ...(platform.baseURL ? { baseURL: platform.baseURL } : {}),
      environmentId,
      ...(platform.environmentKey ? { environmentKey: platform.environmentKey } : {}),
      sandboxes: setup.sandboxes,
      journalDir: setup.journalDir,
      signal: stop.signal,
      onLine: onWorkerLine,
      secrets: [...(parts.secrets ?? []), ...(parts.github?.token ? [parts.github.token] : [])],
    }).catch((error: unknown) => {
      if (!stop.signal.aborted) onWorkerLine(`stopped: ${(error as Error).message}`);
    });
  }
  return {
    runtime: setup.runtime,
    store: setup.store,
    async dispose() {
      await setup.runtime.dispose();
      stop.abort();
      await serving;
    },
  };
}
