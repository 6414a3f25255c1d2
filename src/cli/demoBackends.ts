// The demo's two backends behind one shape: the local runtime, or the managed backend on the platform
// stand-in with a worker of this process serving the self-hosted environment.
import type { StopReason } from '../core/events/sessionEvent.ts';
import type { SessionService } from '../core/runtime/sessionService.ts';
import { createManagedRuntime } from '../node/managed/createManagedRuntime.ts';
import { runEnvironmentWorker } from '../node/managed/environmentWorker.ts';
import type { ScriptedModelServer } from '../node/model/scriptedModelServer.ts';
import type { LocalRuntime, LocalRuntimeOptions } from '../node/runtime/localRuntime.ts';
import type { FileSessionStore } from '../node/session/fileSessionStore.ts';
import { PlatformStandIn } from '../testkit/managed/platformStandIn.ts';

export interface DemoBackend {
  runtime: Pick<SessionService, 'start' | 'approve'> & { settled(sessionId: string): Promise<StopReason | undefined> };
  store: FileSessionStore;
  platformUrl?: string;
  close(): Promise<void>;
}

export function localDemoBackend(local: LocalRuntime): DemoBackend {
  return { runtime: local.runtime, store: local.store, close: () => local.runtime.dispose() };
}

export async function startManagedDemoBackend(parts: Omit<LocalRuntimeOptions, 'model'>, model: ScriptedModelServer): Promise<DemoBackend> {
  const apiKey = 'demo-platform-key';
  const platform = await PlatformStandIn.start({ modelUrl: model.url, apiKeys: { [apiKey]: 'ok' } });
  const setup = createManagedRuntime({ ...parts, platform: { apiKey, baseURL: platform.url } });
  const worker = new AbortController();
  const serving = runEnvironmentWorker({
    apiKey,
    baseURL: platform.url,
    environmentId: await setup.runtime.environmentId(),
    sandboxes: setup.sandboxes,
    journalDir: setup.journalDir,
    signal: worker.signal,
  });
  return {
    runtime: setup.runtime,
    store: setup.store,
    platformUrl: platform.url,
    async close() {
      await setup.runtime.dispose();
      worker.abort();
      await serving.catch(() => undefined);
      await platform.close();
    },
  };
}
