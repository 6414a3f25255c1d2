// VS Code's way of confirming a set-up that asks (a detected npm ci or corepack pnpm install; any where nothing
// confines): shown once per repository
// and set of commands, in a modal so that nothing installs before the person said yes; the answer is
// remembered by the runtime. Set-up progress goes to the status bar.
import * as path from 'node:path';
import * as vscode from 'vscode';

export async function confirmSetup(repository: string, description: string): Promise<boolean> {
  const run = 'Run Set-up';
  const answer = await vscode.window.showInformationMessage(
    `Agent OS: set up ${path.basename(repository)} before the agents run?`,
    {
      modal: true,
      detail: `${description}\n\nThe set-up has network access to the package registries; agents do not. Your answer is remembered for this repository.`,
    },
    run,
  );
  return answer === run;
}

/** A status bar message per set-up step, replaced by the next one. */
export function setupProgressInStatusBar(): (sessionId: string, line: string) => void {
  let current: vscode.Disposable | undefined;
  return (_sessionId, line) => {
    current?.dispose();
    const done = /ready|failed/.test(line);
    current = vscode.window.setStatusBarMessage(
      `${done ? '$(check)' : '$(sync~spin)'} Agent OS ${line}`,
      done ? 10_000 : 30 * 60_000,
    );
  };
}
