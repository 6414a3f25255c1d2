// Check Environment (the Threads view's title menu): `agent-os env check` in VS Code — only the set-up and the
// test command, in the sandbox kind agents would use, with the output in the Agent OS log.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { checkEnvironment } from '../node/environment/environmentCheck.ts';
import { SessionEnvironment } from '../node/environment/sessionEnvironment.ts';
import { chosenSessionSandboxes } from '../node/sandbox/chosenSessionSandboxes.ts';
import { chooseSandbox } from '../node/sandbox/sandboxChoice.ts';
import { readSettings } from './extensionSettings.ts';
import { pickFolder } from './planIssueCommand.ts';
import { confirmSetup } from './setupPrompt.ts';

export async function checkEnvironmentCommand(deps: { storeDir: string; log: vscode.LogOutputChannel }): Promise<void> {
  const folder = await pickFolder();
  if (!folder) return;
  const repository = folder.uri.fsPath;
  const { log } = deps;
  const choice = await chooseSandbox({ setting: readSettings().sandbox, repository });
  const sandboxes = chosenSessionSandboxes(choice, { storageDir: join(deps.storeDir, '.worktrees'), repository });
  const environment = new SessionEnvironment({ dir: join(deps.storeDir, '.environments') });
  log.show(true);
  log.info(`environment check: sandbox ${choice.detail}${choice.problem ? ` — ${choice.problem}` : ''}`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Agent OS: checking the environment', cancellable: true },
    (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return checkEnvironment({
        repository,
        environment,
        sandboxes,
        sandboxKind: choice.kind,
        confirm: (description) => confirmSetup(repository, description),
        out: (line) => {
          log.info(`environment check: ${line}`);
          progress.report({ message: line.slice(0, 120) });
        },
        output: (text) => log.append(text),
        signal: controller.signal,
      });
    },
  );
  if (result.ok) void vscode.window.showInformationMessage(`Agent OS: ${result.message}.`);
  else
    void vscode.window
      .showErrorMessage(`Agent OS: environment check failed: ${result.message}`, 'Show Log')
      .then((a) => a && log.show());
}
