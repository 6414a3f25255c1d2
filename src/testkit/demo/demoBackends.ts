// The demo's two backends behind one shape: the local runtime, or the managed backend on the platform
// stand-in with a worker of this process serving the self-hosted environment.
import type { StopReason } from '../../core/events/sessionEvent.ts';
import type { SessionService } from '../../core/runtime/sessionService.ts';
import { startManagedBackend } from '../../node/managed/managedBackend.ts';
import type { ScriptedModelServer } from '../model/scriptedModelServer.ts';
import type { LocalRuntime, LocalRuntimeOptions } from '../../node/runtime/localRuntime.ts';
import type { FileSessionStore } from '../../node/session/fileSessionStore.ts';
import { PlatformStandIn } from '../managed/platformStandIn.ts';

export interface DemoBackend {
  runtime: Pick<SessionService, 'start' | 'approve' | 'confirmTool'> & {
    settled(sessionId: string): Promise<StopReason | undefined>;
  };
  store: FileSessionStore;
  platformUrl?: string;
  close(): Promise<void>;
}

export function localDemoBackend(local: LocalRuntime): DemoBackend {
  return { runtime: local.runtime, store: local.store, close: () => local.runtime.dispose() };
}

export async function startManagedDemoBackend(
  parts: Omit<LocalRuntimeOptions, 'model'>,
  model: ScriptedModelServer,
): Promise<DemoBackend> {
  const apiKey = 'demo-platform-key';
  const platform = await PlatformStandIn.start({ modelUrl: model.url, apiKeys: { [apiKey]: 'ok' } });
  const backend = await startManagedBackend(parts, { apiKey, baseURL: platform.url }, () => undefined);
  return {
    runtime: backend.runtime,
    store: backend.store,
    platformUrl: platform.url,
    async close() {
      await backend.dispose();
      await platform.close();
    },
  };
}
