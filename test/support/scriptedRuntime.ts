// A runtime on real parts for tests: the scripted model server reached through the real SDK, the file
// session store, real git worktrees, the built-in agents (plus any in the repository's `.agents/`).
import { join } from 'node:path';
import type { ModelScript } from '../../src/testkit/model/modelScript.ts';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import {
  createLocalRuntime,
  type LocalRuntime,
  type LocalRuntimeOptions,
} from '../../src/node/runtime/localRuntime.ts';

export interface ScriptedRuntime extends LocalRuntime {
  server: ScriptedModelServer;
  storeDir: string;
  close(): Promise<void>;
}

export async function startScriptedRuntime(
  root: string,
  script: unknown,
  {
    apiKey = 'test-key',
    ...options
  }: Partial<Omit<LocalRuntimeOptions, 'storeDir' | 'model'>> & { apiKey?: string } = {},
): Promise<ScriptedRuntime> {
  const parsed: ModelScript = parseModelScript(script);
  const server = await ScriptedModelServer.start({ script: parsed });
  const storeDir = join(root, 'store');
  // A test that picks the unconfined kind (sandbox: worktree, bubblewrap: off) gets the consent rule of
  // issue 10; the others test harness mechanics, which on a machine without bubblewrap would otherwise
  // stop at every command to ask.
  const choseUnconfined = options.sandbox === 'worktree' || options.bubblewrap === 'off';
  const local = createLocalRuntime({
    storeDir,
    model: { apiKey, baseURL: server.url, maxRetries: 4, retryBaseDelayMs: 5, retryMaxDelayMs: 20 },
    bashDefaultTimeoutMs: 20_000,
    ...(choseUnconfined ? {} : { trustUnconfinedCommands: true }),
    ...options,
  });
  return {
    ...local,
    server,
    storeDir,
    async close() {
      await local.runtime.dispose();
      await server.close();
    },
  };
}
