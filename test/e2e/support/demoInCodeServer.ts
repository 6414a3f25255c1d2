// The demo's world opened in a real VS Code: the sample repository with its bare remote, the GitHub
// stand-in, the scripted model (paced so a run can be watched and interrupted), and code-server on the
// sample's folder with the extension pointed at them. With `backend: 'managed'` the extension runs the
// sessions on the platform stand-in (the agent loop there, the tools in this VS Code's own worker).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoModelScript } from '../../../src/testkit/demo/demoScript.ts';
import { createSampleRepository, type SampleRepository } from '../../../src/testkit/demo/sampleRepository.ts';
import { GitHubStandIn } from '../../../src/testkit/github/githubStandIn.ts';
import { parseModelScript } from '../../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../../src/testkit/model/scriptedModelServer.ts';
import { managedDemoModelScript } from '../../../src/testkit/managed/managedDemoScript.ts';
import { PlatformStandIn } from '../../../src/testkit/managed/platformStandIn.ts';
import { CodeServer, Workbench } from './codeServer.ts';

/** The key the platform stand-in accepts (its default roster). */
export const PLATFORM_STAND_IN_KEY = 'stand-in-key';

export interface DemoInCodeServer {
  root: string;
  sample: SampleRepository;
  github: GitHubStandIn;
  model: ScriptedModelServer;
  /** The platform stand-in, when the world runs on the managed backend. */
  platform?: PlatformStandIn;
  server: CodeServer;
  wb: Workbench;
  close(): Promise<void>;
}

export async function openDemoInCodeServer(options: {
  prefix: string;
  paceMs: number;
  backend?: 'local' | 'managed';
  settings?: Record<string, unknown>;
}): Promise<DemoInCodeServer> {
  const root = mkdtempSync(join(tmpdir(), options.prefix));
  const sample = await createSampleRepository(root);
  const github = await GitHubStandIn.start({ repositories: [sample.standInRepository] });
  const managed = options.backend === 'managed';
  const script = managed ? managedDemoModelScript(options.paceMs) : demoModelScript(options.paceMs);
  const model = await ScriptedModelServer.start({ script: parseModelScript(script) });
  // On the managed backend the extension talks to the platform, which samples the scripted model.
  const platform = managed ? await PlatformStandIn.start({ modelUrl: model.url }) : undefined;
  const server = await CodeServer.start({
    workspace: sample.workdir,
    settings: {
      'agentOs.sessionsDirectory': join(root, 'sessions'),
      'agentOs.anthropic.baseUrl': platform?.url ?? model.url,
      ...(managed ? { 'agentOs.backend': 'managed' } : {}),
      'agentOs.github.apiUrl': github.baseUrl,
      'agentOs.github.localRemotes': { [sample.barePath]: `${sample.owner}/${sample.repo}` },
      // Confined, so the demo's commands run without asking (the plain worktree would ask for each one,
      // and give the read-only Reviewer no bash for its test run); CI has the OS sandbox's tools.
      'agentOs.sandbox': 'os',
      ...options.settings,
    },
  });
  const wb = await Workbench.open(server);
  return {
    root,
    sample,
    github,
    model,
    ...(platform ? { platform } : {}),
    server,
    wb,
    async close() {
      if (process.env['AGENT_OS_E2E_LOGS']) console.log(server.logs());
      await wb.close();
      await server.stop();
      await github.close();
      await platform?.close();
      await model.close();
      // AGENT_OS_E2E_KEEP=1 keeps the sample, its sessions and their logs for a look after a failure.
      if (process.env['AGENT_OS_E2E_KEEP']) console.log(`kept ${root}`);
      else rmSync(root, { recursive: true, force: true });
    },
  };
}

/** What a person does first: stores the API key, then runs Plan and Implement Issue on the sample's issue. */
export async function startOnTheIssue(demo: DemoInCodeServer): Promise<void> {
  const { wb, sample } = demo;
  await wb.openThreadsView();
  // The welcome asks for the key until one is stored, and then no more.
  const welcome = wb.threadsPane().locator('.welcome-view-content');
  await welcome.getByText('Set Anthropic API Key').waitFor({ state: 'visible', timeout: 30_000 });
  await wb.runCommand('Agent OS: Set Anthropic API Key');
  await wb.answerInputTitled('Anthropic API Key', demo.platform ? PLATFORM_STAND_IN_KEY : 'sk-ant-e2e-scripted-model');
  await wb.waitForNotification(/API key saved in secret storage/);
  await welcome.getByText('Set Anthropic API Key').waitFor({ state: 'detached', timeout: 30_000 });
  await welcome.getByText('Plan and Implement Issue').waitFor({ state: 'visible', timeout: 30_000 });
  await wb.runCommand('Agent OS: Plan and Implement Issue');
  await wb.pickQuickItem(`#${sample.issue.number} ${sample.issue.title.slice(0, 30)}`);
}
