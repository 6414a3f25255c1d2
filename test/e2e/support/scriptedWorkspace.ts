// A small git repository opened in a real VS Code whose agents are the scripted model: the repository (its
// files committed on main), the model server, code-server on the folder (unconfined worktree sandbox, the
// sessions in a folder of the world's own) and the API key stored as a person stores it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseModelScript } from '../../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../../src/testkit/model/scriptedModelServer.ts';
import { CodeServer, Workbench } from './codeServer.ts';

export interface ScriptedWorkspace {
  repo: string;
  sessions: string;
  model: ScriptedModelServer;
  server: CodeServer;
  wb: Workbench;
  close(): Promise<void>;
}

export async function openScriptedWorkspace(options: {
  prefix: string;
  files: Record<string, string>;
  script: unknown;
  settings?: Record<string, unknown>;
}): Promise<ScriptedWorkspace> {
  const root = mkdtempSync(join(tmpdir(), options.prefix));
  const repo = join(root, 'repo');
  const sessions = join(root, 'sessions');
  for (const [path, text] of Object.entries(options.files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
      cwd: repo,
      stdio: 'ignore',
    });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'init');
  const model = await ScriptedModelServer.start({ script: parseModelScript(options.script) });
  const server = await CodeServer.start({
    workspace: repo,
    settings: {
      'agentOs.sessionsDirectory': sessions,
      'agentOs.anthropic.baseUrl': model.url,
      'agentOs.sandbox': 'worktree',
      ...options.settings,
    },
  });
  const wb = await Workbench.open(server);
  await wb.openThreadsView();
  await wb.runCommand('Agent OS: Set Anthropic API Key');
  await wb.answerInputTitled('Anthropic API Key', 'sk-ant-e2e-scripted-model');
  await wb.waitForNotification(/API key saved/);
  return {
    repo,
    sessions,
    model,
    server,
    wb,
    async close() {
      if (process.env['AGENT_OS_E2E_LOGS']) console.log(server.logs());
      await wb.close();
      await server.stop();
      await model.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
