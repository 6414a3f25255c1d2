// Show Changes: the session's files against its base commit, in VS Code's diff editor. Both sides are
// served from git (`git show <commit>:path`) in the session's vault through a read-only content provider:
// the editor never opens a path in the agents' repository (a symlink planted there could point anywhere).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { SessionChanges } from '../core/runtime/sessionService.ts';

const run = promisify(execFile);
export const BASE_SCHEME = 'agentos-base';

/** Serves `agentos-base:/path?{worktree,commit}` as the file's text at that commit. */
export class BaseContentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = JSON.parse(uri.query) as { worktree: string; commit: string; path: string };
    try {
      const { stdout } = await run('git', ['-C', q.worktree, 'show', `${q.commit}:${q.path}`], {
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch {
      return '';
    }
  }
}

function baseUri(changes: SessionChanges, path: string): vscode.Uri {
  return vscode.Uri.from({
    scheme: BASE_SCHEME,
    path: `/${path}`,
    query: JSON.stringify({ worktree: changes.gitDir ?? changes.worktree, commit: changes.baseCommit, path }),
  });
}

function headUri(changes: SessionChanges, path: string, deleted: boolean): vscode.Uri {
  // A deleted file has no worktree side: show it against an empty document.
  if (deleted)
    return vscode.Uri.from({
      scheme: BASE_SCHEME,
      path: `/${path}`,
      query: JSON.stringify({ worktree: changes.worktree, commit: 'missing', path }),
    });
  if (changes.gitDir && changes.filesCommit) {
    return vscode.Uri.from({
      scheme: BASE_SCHEME,
      path: `/${path}`,
      query: JSON.stringify({ worktree: changes.gitDir, commit: changes.filesCommit, path }),
    });
  }
  return vscode.Uri.file(join(changes.worktree, path));
}

export async function showChanges(changes: SessionChanges, title: string): Promise<void> {
  if (changes.files.length === 0) {
    void vscode.window.showInformationMessage(`${title}: no changes against ${changes.baseCommit.slice(0, 8)}.`);
    return;
  }
  const open = (file: SessionChanges['files'][number]) =>
    vscode.commands.executeCommand(
      'vscode.diff',
      file.status === 'added' ? headUri(changes, file.path, true) : baseUri(changes, file.path),
      headUri(changes, file.path, file.status === 'deleted'),
      `${file.path} (${changes.baseCommit.slice(0, 7)} ↔ ${file.status === 'deleted' ? 'deleted' : 'worktree'})`,
      { preview: changes.files.length === 1 },
    );
  if (changes.files.length === 1) {
    await open(changes.files[0]!);
    return;
  }
  type Item = vscode.QuickPickItem & { file?: SessionChanges['files'][number] };
  const items: Item[] = [
    { label: '$(files) Open every file', description: `${changes.files.length} files in one multi-diff editor` },
    ...changes.files.map((file) => ({ label: file.path, description: file.status, file })),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: `Changes of ${title}`,
    placeHolder: 'Pick a file to diff',
  });
  if (!pick) return;
  if (pick.file) {
    await open(pick.file);
    return;
  }
  const resources = changes.files.map((file) => [
    headUri(changes, file.path, false),
    file.status === 'added' ? undefined : baseUri(changes, file.path),
    file.status === 'deleted' ? undefined : headUri(changes, file.path, false),
  ]);
  try {
    await vscode.commands.executeCommand('vscode.changes', `Changes of ${title}`, resources);
  } catch {
    // An editor without the multi-diff editor: one diff per file.
    for (const file of changes.files) await open(file);
  }
}
