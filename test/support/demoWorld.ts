// The demo's world for tests: the sample repository with its bare remote, the GitHub stand-in serving
// its issue, and a runtime on the scripted model playing all four agents.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoModelScript } from '../../src/testkit/demo/demoScript.ts';
import { createSampleRepository, type SampleRepository } from '../../src/testkit/demo/sampleRepository.ts';
import { GitHubStandIn } from '../../src/testkit/github/githubStandIn.ts';
import type { LocalRuntimeOptions } from '../../src/node/runtime/localRuntime.ts';
import { startScriptedRuntime, type ScriptedRuntime } from './scriptedRuntime.ts';

export interface DemoWorld {
  root: string;
  sample: SampleRepository;
  github: GitHubStandIn;
  rt: ScriptedRuntime;
  issueRef: string;
  close(): Promise<void>;
}

export async function startDemoWorld(
  script: unknown = demoModelScript(),
  options: Partial<Omit<LocalRuntimeOptions, 'storeDir' | 'model'>> = {},
): Promise<DemoWorld> {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-demo-'));
  const sample = await createSampleRepository(root);
  const github = await GitHubStandIn.start({ repositories: [sample.standInRepository] });
  const rt = await startScriptedRuntime(root, script, {
    github: { apiUrl: github.baseUrl, token: 'test-token', localRemotes: sample.localRemotes },
    ...options,
  });
  return {
    root,
    sample,
    github,
    rt,
    issueRef: `${sample.owner}/${sample.repo}#${sample.issue.number}`,
    async close() {
      await rt.close();
      await github.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
