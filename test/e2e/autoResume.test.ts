// The opt-in setting `agentOs.resumeInterruptedAutomatically`: a session interrupted by a window reload
// resumes by itself when the window comes back, with no Resume command, and runs to the verdict.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { demoModelScript } from '../../src/node/demo/demoScript.ts';
import { createSampleRepository, type SampleRepository } from '../../src/node/demo/sampleRepository.ts';
import { GitHubStandIn } from '../../src/node/github/githubStandIn.ts';
import { parseModelScript } from '../../src/node/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/node/model/scriptedModelServer.ts';
import { CodeServer, Workbench } from './support/codeServer.ts';

describe('resume interrupted sessions automatically (opt-in)', { timeout: 600_000 }, () => {
  let root: string;
  let sample: SampleRepository;
  let github: GitHubStandIn;
  let model: ScriptedModelServer;
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'agent-os-e2e-autoresume-'));
    sample = await createSampleRepository(root);
    github = await GitHubStandIn.start({ repositories: [sample.standInRepository] });
    // Paced so the run is still going when the window reloads.
    model = await ScriptedModelServer.start({ script: parseModelScript(demoModelScript(40)) });
    server = await CodeServer.start({
      workspace: sample.workdir,
      settings: {
        'agentOs.sessionsDirectory': join(root, 'sessions'),
        'agentOs.anthropic.baseUrl': model.url,
        'agentOs.github.apiUrl': github.baseUrl,
        'agentOs.github.localRemotes': { [sample.barePath]: `${sample.owner}/${sample.repo}` },
        'agentOs.sandbox': 'worktree',
        'agentOs.resumeInterruptedAutomatically': true,
      },
    });
    wb = await Workbench.open(server);
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    await github?.close();
    await model?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('a session cut off by a reload goes on by itself to the verdict', async () => {
    const title = new RegExp(`#${sample.issue.number}: parseDuration`);
    await wb.openThreadsView();
    await wb.runCommand('Agent OS: Set Anthropic API Key');
    await wb.answerInputTitled('Anthropic API Key', 'sk-ant-e2e-scripted-model');
    await wb.waitForNotification(/API key saved in secret storage/);
    await wb.runCommand('Agent OS: Plan and Implement Issue');
    await wb.pickQuickItem(`#${sample.issue.number} ${sample.issue.title.slice(0, 30)}`);
    await wb.waitForTreeItem(/^Coder — running/, 180_000);
    const requestsBefore = model.requests.length;
    await wb.reload();
    await wb.openThreadsView();
    // No Resume command is run: the setting resumes it, and it reaches the Reviewer's verdict.
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — waiting for you`), 300_000);
    assert.ok(model.requests.length > requestsBefore, 'the model was asked again after the reload');
    assert.ok(model.requests.every((r) => r.outcome.kind !== 'error'), 'every request matched the script');
    await wb.screenshot('40-auto-resumed-verdict');
  });
});
