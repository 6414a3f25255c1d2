// The Preferences view's commands: edit the repository's preferences document, delete one preference (the next
// version at once), show the event a preference was learned from, refresh; and, on a session, mark it as not
// to learn from (the mark `agent-os run --no-learn` sets).
import * as vscode from 'vscode';
import type { PreferenceStore } from '../node/preferences/preferenceStore.ts';
import { commandHelpers, type CommandDeps } from './commandHelpers.ts';
import { repositories, type PreferencesNode, type PreferencesViewProvider } from './preferencesView.ts';
import { seqOfEvent } from '../core/session/logPages.ts';

export function registerPreferenceCommands(
  deps: CommandDeps,
  store: PreferenceStore,
  view: PreferencesViewProvider,
): vscode.Disposable[] {
  const { reg, pickSession, title } = commandHelpers(deps);
  const preferenceOf = (arg: unknown) =>
    (arg as PreferencesNode | undefined)?.kind === 'preference'
      ? (arg as Extract<PreferencesNode, { kind: 'preference' }>)
      : undefined;

  return [
    reg('agentOs.doNotLearnFromSession', async (arg) => {
      const s = await pickSession(arg, 'Session not to learn preferences from');
      if (!s) return;
      const meta = await deps.store.get(s.sessionId);
      await deps.store.updateMeta(s.sessionId, { metadata: { ...meta.metadata, learn: 'no' } });
      deps.log.info(`session ${s.sessionId} marked not to learn preferences from`);
      void vscode.window.showInformationMessage(
        `Agent OS: "${title(s.sessionId)}" teaches no preferences from now on (its corrections are not learned).`,
      );
    }),

    reg('agentOs.editPreferences', async (arg) => {
      const repository = (arg as PreferencesNode | undefined)?.repository ?? (await pickRepository());
      if (!repository) return;
      const file = await store.ensureDocument(repository);
      await vscode.window.showTextDocument(vscode.Uri.file(file));
    }),

    reg('agentOs.deletePreference', async (arg) => {
      const node = preferenceOf(arg);
      if (!node) return;
      const saved = await store.removeLine(node.repository, node.entry.line, node.entry.text);
      deps.log.info(`preference deleted (now version ${saved.version}): ${node.entry.text}`);
      view.refresh();
    }),

    reg('agentOs.openPreferenceSource', async (arg) => {
      const entry = preferenceOf(arg)?.entry;
      if (!entry?.sessionId) return;
      const { sessionId, eventId } = entry;
      // Found a page at a time: null when the session is gone (or cannot be read), undefined when no event names it.
      const seq = await deps.store
        .get(sessionId)
        .then(() => (eventId === undefined ? undefined : seqOfEvent(deps.store, sessionId, eventId)))
        .catch(() => null);
      if (seq === null) {
        void vscode.window.showInformationMessage(
          `Agent OS: the session this was learned in (${entry.sessionId}) is gone.`,
        );
        return;
      }
      const panel = deps.panels.show(entry.sessionId, null);
      if (seq !== undefined) panel.revealEvent(seq);
    }),

    reg('agentOs.refreshPreferences', () => view.refresh()),
  ];
}

async function pickRepository(): Promise<string | undefined> {
  const repos = repositories();
  if (repos.length <= 1) return repos[0]?.repository;
  const pick = await vscode.window.showQuickPick(
    repos.map((r) => ({ label: r.name, repository: r.repository })),
    { placeHolder: 'Preferences of which repository' },
  );
  return pick?.repository;
}
