// Plan and Implement Issue: pick an open issue of the workspace's GitHub repository (from its git
// remote, read with the person's GitHub session), paste an issue URL, or describe a task; then start a
// session and show it.
import * as vscode from 'vscode';
import { describeError } from '../core/errors.ts';
import { formatIssueRef, tryParseIssueRef, type Issue } from '../core/github/githubPorts.ts';
import type { SessionMeta } from '../core/session/sessionStore.ts';
import type { StartSessionRequest } from '../core/runtime/sessionService.ts';
import { apiBaseUrlForHost, OctokitGitHub } from '../node/github/octokitGitHub.ts';
import { findRemoteRepository, type RemoteRepository } from '../node/github/remoteRepository.ts';
import { readSettings } from './extensionSettings.ts';

export interface PlanIssueDeps {
  log: vscode.LogOutputChannel;
  start(request: StartSessionRequest): Promise<SessionMeta>;
  /** Shows the new session (tree and Event Log). */
  reveal(meta: SessionMeta): Promise<void>;
}

type PickItem = vscode.QuickPickItem & {
  choice?: { kind: 'issue'; issue: Issue } | { kind: 'url' } | { kind: 'task' } | { kind: 'signIn' };
};

export async function planAndImplementIssue(deps: PlanIssueDeps): Promise<void> {
  const folder = await pickFolder();
  if (!folder) return;
  const request = await pickTask(deps, folder.uri.fsPath);
  if (!request) return;
  const meta = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Agent OS: starting the session…' },
    () => deps.start(request),
  );
  deps.log.info(`session ${meta.id} started: ${meta.title}`);
  await deps.reveal(meta);
}

export async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage('Agent OS: open a folder with a git repository first.');
    return undefined;
  }
  if (folders.length === 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Repository to work on' });
}

async function pickTask(deps: PlanIssueDeps, repository: string): Promise<StartSessionRequest | undefined> {
  const qp = vscode.window.createQuickPick<PickItem>();
  qp.title = 'Agent OS: Plan and Implement Issue';
  qp.placeholder = 'Pick an open issue, paste an issue URL, or describe a task';
  qp.matchOnDetail = true;
  const fixed: PickItem[] = [
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(link) Paste issue URL…', alwaysShow: true, choice: { kind: 'url' } },
    { label: '$(edit) Describe a task…', alwaysShow: true, choice: { kind: 'task' } },
  ];
  qp.items = fixed;
  qp.busy = true;
  qp.show();
  const remote = await findRemoteRepository(repository, { localRemotes: readSettings().githubLocalRemotes }).catch(
    (error: unknown) => {
      deps.log.info(`no GitHub repository for ${repository}: ${describeError(error)}`);
      return undefined;
    },
  );
  void listIssues(deps, remote).then(({ items, note }) => {
    qp.busy = false;
    if (note) qp.placeholder = note;
    qp.items = [...items, ...fixed];
  });
  const picked = await new Promise<PickItem | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0]));
    qp.onDidHide(() => resolve(undefined));
  });
  qp.dispose();
  const choice = picked?.choice;
  if (!choice) return undefined;
  switch (choice.kind) {
    case 'issue':
      return { issue: formatIssueRef(choice.issue.ref), repository };
    case 'signIn':
      await githubToken(true).catch(() => undefined);
      return pickTask(deps, repository);
    case 'url': {
      const text = await vscode.window.showInputBox({
        title: 'Paste issue URL',
        placeHolder: 'https://github.com/owner/repo/issues/12 or owner/repo#12',
        validateInput: (v) => (tryParseIssueRef(v) ? undefined : 'Not an issue URL or owner/repo#number'),
      });
      return text ? { issue: text.trim(), repository } : undefined;
    }
    case 'task': {
      const text = await vscode.window.showInputBox({
        title: 'Describe a task',
        placeHolder: 'What should the agents do in this repository?',
        validateInput: (v) => (v.trim() ? undefined : 'Describe the task'),
      });
      return text ? { task: text.trim(), repository } : undefined;
    }
  }
}

async function listIssues(
  deps: PlanIssueDeps,
  remote: RemoteRepository | undefined,
): Promise<{ items: PickItem[]; note?: string }> {
  if (!remote) return { items: [], note: 'No GitHub remote found: paste an issue URL or describe a task' };
  const apiUrl = readSettings().githubApiUrl ?? apiBaseUrlForHost(remote.host);
  const token = await githubToken(false).catch(() => undefined);
  const items: PickItem[] = [];
  try {
    const issues = await new OctokitGitHub({
      ...(apiUrl ? { baseUrl: apiUrl } : {}),
      ...(token ? { token } : {}),
    }).listOpenIssues(remote.owner, remote.repo);
    items.push({ label: `${remote.owner}/${remote.repo}`, kind: vscode.QuickPickItemKind.Separator });
    for (const issue of issues) {
      items.push({
        label: `#${issue.ref.number} ${issue.title}`,
        description: issue.labels.join(', '),
        detail:
          issue.body
            .split('\n')
            .find((l) => l.trim())
            ?.slice(0, 160) ?? '',
        choice: { kind: 'issue', issue },
      });
    }
    if (issues.length === 0) return { items, note: `${remote.owner}/${remote.repo} has no open issues` };
    return { items };
  } catch (error) {
    deps.log.warn(`listing issues of ${remote.owner}/${remote.repo}: ${describeError(error)}`);
    if (!token)
      items.push({ label: '$(github) Sign in to GitHub to list issues', alwaysShow: true, choice: { kind: 'signIn' } });
    return { items, note: `Cannot list issues of ${remote.owner}/${remote.repo}: ${describeError(error)}` };
  }
}

/** The person's GitHub token from VS Code's authentication provider; `ask` shows the sign-in. */
export async function githubToken(ask: boolean): Promise<string | undefined> {
  const session = await vscode.authentication.getSession(
    'github',
    ['repo'],
    ask ? { createIfNone: true } : { silent: true },
  );
  return session?.accessToken;
}
