// The Preferences view: what Agent OS learned of the person's preferences for each workspace repository — each
// line with where it was learned (the session and the event; Open Source shows that event in the Event Log) —
// and the commands to edit the document (a Markdown file; an edit is the next version the next session pins)
// and to delete one preference (saved at once as the next version). Read from the preference store's files,
// refreshed when a session learns, when the document is saved, and on Refresh.
import * as vscode from 'vscode';
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import type { PreferenceEntry, PreferenceStore } from '../node/preferences/preferenceStore.ts';
import { showControlCharacters } from '../views/controlCharacters.ts';

export type PreferencesNode =
  | { kind: 'repository'; repository: string; name: string }
  | { kind: 'preference'; repository: string; entry: PreferenceEntry };

export class PreferencesViewProvider implements vscode.TreeDataProvider<PreferencesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PreferencesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly saved: vscode.Disposable;

  constructor(
    private readonly store: PreferenceStore,
    private readonly titleOf: (sessionId: string) => string | undefined,
  ) {
    this.saved = vscode.workspace.onDidSaveTextDocument((doc) => {
      if (repositories().some((r) => doc.uri.fsPath === this.store.fileOf(r.repository))) this.refresh();
    });
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Events a session appended: a new version learned changes what the view shows. */
  onEvents(events: readonly SessionEvent[]): void {
    if (events.some((e) => e.type === 'agent_os.preferences_learned' && e.version !== undefined)) this.refresh();
  }

  async getChildren(node?: PreferencesNode): Promise<PreferencesNode[]> {
    if (node?.kind === 'preference') return [];
    const repos = repositories();
    if (!node && repos.length > 1) return repos.map((r) => ({ kind: 'repository', ...r }));
    const repository = node?.repository ?? repos[0]?.repository;
    if (!repository) return [];
    const doc = await this.store.document(repository);
    return doc.lines.map((entry) => ({ kind: 'preference', repository, entry }));
  }

  getTreeItem(node: PreferencesNode): vscode.TreeItem {
    if (node.kind === 'repository') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('repo');
      item.contextValue = 'preferences.repository';
      return item;
    }
    const { entry } = node;
    // Learned text is a model's words: its control characters are shown, never acted on.
    const item = new vscode.TreeItem(showControlCharacters(entry.text), vscode.TreeItemCollapsibleState.None);
    const title = entry.sessionId ? this.titleOf(entry.sessionId) : undefined;
    item.description = entry.sessionId
      ? `from ${title ? showControlCharacters(title) : entry.sessionId}`
      : 'added by you';
    item.tooltip = entry.sessionId
      ? `Learned in session ${entry.sessionId}${title ? ` ("${showControlCharacters(title)}")` : ''} from event ${entry.eventId}`
      : 'A line of the preferences document without a source: written by you';
    item.iconPath = new vscode.ThemeIcon(entry.sessionId ? 'lightbulb' : 'person');
    item.contextValue = entry.sessionId ? 'preference.learned' : 'preference';
    return item;
  }

  dispose(): void {
    this.saved.dispose();
    this.changed.dispose();
  }
}

/** The workspace's folders: each is a repository sessions run on (Plan and Implement Issue uses the folder). */
export function repositories(): { repository: string; name: string }[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => ({ repository: f.uri.fsPath, name: f.name }));
}
