// The managed backend's world for tests, on real parts: the sample repository and its bare remote, the
// GitHub stand-in, the scripted model server, the platform stand-in reached through the real SDK, the
// managed runtime, and self-hosted environment workers started on demand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSampleRepository, type SampleRepository } from '../../src/testkit/demo/sampleRepository.ts';
import { GitHubStandIn } from '../../src/testkit/github/githubStandIn.ts';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { createManagedRuntime, type ManagedRuntimeSetup } from '../../src/node/managed/createManagedRuntime.ts';
import { runEnvironmentWorker } from '../../src/node/managed/environmentWorker.ts';
import type { LocalRuntimeOptions } from '../../src/node/runtime/localRuntime.ts';
import { managedDemoModelScript } from '../../src/testkit/managed/managedDemoScript.ts';
import { PlatformStandIn, type PlatformStandInOptions } from '../../src/testkit/managed/platformStandIn.ts';

export const STAND_IN_KEY = 'stand-in-key';

export interface RunningWorker {
  lines: string[];
  stop(): Promise<void>;
  done: Promise<void>;
}

export interface ManagedWorld {
  root: string;
  sample: SampleRepository;
  github: GitHubStandIn;
  model: ScriptedModelServer;
  platform: PlatformStandIn;
  setup: ManagedRuntimeSetup;
  storeDir: string;
  issueRef: string;
  startWorker(name?: string, options?: { maxIdleMs?: number }): Promise<RunningWorker>;
  /** Another runtime on the same store (a reload, another process), with these options besides the world's. */
  reopen(runtime?: Partial<Omit<LocalRuntimeOptions, 'storeDir' | 'model'>>): ManagedRuntimeSetup;
  close(): Promise<void>;
}

export async function startManagedWorld(
  options: {
    script?: unknown;
    platform?: Partial<PlatformStandInOptions>;
    runtime?: Partial<Omit<LocalRuntimeOptions, 'storeDir' | 'model'>>;
  } = {},
): Promise<ManagedWorld> {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-managed-'));
  const sample = await createSampleRepository(root);
  const github = await GitHubStandIn.start({ repositories: [sample.standInRepository] });
  const model = await ScriptedModelServer.start({
    script: parseModelScript(options.script ?? managedDemoModelScript()),
  });
  const platform = await PlatformStandIn.start({ modelUrl: model.url, ...options.platform });
  const storeDir = join(root, 'store');
  const make = (more: Partial<Omit<LocalRuntimeOptions, 'storeDir' | 'model'>> = {}): ManagedRuntimeSetup =>
    createManagedRuntime({
      storeDir,
      platform: { apiKey: STAND_IN_KEY, baseURL: platform.url },
      github: { apiUrl: github.baseUrl, token: 'test-token', localRemotes: sample.localRemotes },
      bashDefaultTimeoutMs: 20_000,
      // As test/support/scriptedRuntime.ts: a test that picks the unconfined kind gets the consent rule; the
      // others test the backend's mechanics, which where nothing confines would stop at every command to ask.
      ...(options.runtime?.sandbox === 'worktree' ? {} : { trustUnconfinedCommands: true }),
      ...options.runtime,
      ...more,
    });
  const setup = make();
  const workers: RunningWorker[] = [];
  const world: ManagedWorld = {
    root,
    sample,
    github,
    model,
    platform,
    setup,
    storeDir,
    issueRef: `${sample.owner}/${sample.repo}#${sample.issue.number}`,
    reopen: make,
    async startWorker(name = 'worker-1', workerOptions = {}) {
      const controller = new AbortController();
      const lines: string[] = [];
      const environmentId = await setup.runtime.environmentId();
      const done = runEnvironmentWorker({
        apiKey: STAND_IN_KEY,
        baseURL: platform.url,
        environmentId,
        sandboxes: setup.sandboxes,
        journalDir: setup.journalDir,
        workerId: name,
        ...(workerOptions.maxIdleMs !== undefined ? { maxIdleMs: workerOptions.maxIdleMs } : {}),
        signal: controller.signal,
        onLine: (line) => lines.push(line),
      }).catch((error: unknown) => {
        if (!controller.signal.aborted) lines.push(`worker failed: ${(error as Error).message}`);
      });
      const worker = {
        lines,
        done,
        async stop() {
          controller.abort();
          await done;
        },
      };
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await setup.runtime.dispose();
      await platform.close();
      await model.close();
      await github.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return world;
}
