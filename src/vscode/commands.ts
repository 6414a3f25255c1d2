// Every `agentOs.*` command. Each accepts what the tree, the Event Log cards and notifications pass
// ({ sessionId, … }), or nothing when run from the palette (then it asks which session).
import * as vscode from 'vscode';
import { describeError } from '../core/errors.ts';
import { readSessionArgs } from './commandArgs.ts';
import { commandHelpers, UNTRUSTED_MESSAGE, type CommandDeps } from './commandHelpers.ts';
import { API_KEY_SECRET } from './extensionSettings.ts';
import { planAndImplementIssue } from './planIssueCommand.ts';
import { showChanges } from './showChanges.ts';

import { checkEnvironmentCommand } from './checkEnvironmentCommand.ts';
import { withoutLinks } from '../views/personWaits.ts';
import { readSessionState } from '../core/session/sessionStateFold.ts';

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { tree, panels, log } = deps;
  const { reg, service, runner, pickSession, title, revealSession } = commandHelpers(deps);

  return [
    reg('agentOs.planAndImplementIssue', async () => {
      const service = await runner();
      if (!service) return;
      await planAndImplementIssue({
        log,
        start: (request) => service.start(request),
        reveal: async (meta) => {
          await tree.track(meta);
          tree.scheduleRefresh();
          await vscode.commands.executeCommand('agentOs.threads.focus');
          await revealSession(meta.id);
          panels.show(meta.id, null);
        },
      });
    }),

    reg('agentOs.resumeSession', async (arg) => {
      const s = await pickSession(arg, 'Session to resume');
      if (!s) return;
      const service = await runner();
      if (!service) return;
      log.info(`resuming ${s.sessionId}`);
      // Runs until the session stops; the tree and the Event Log show its progress from the log.
      const run = service.resume(s.sessionId);
      tree.scheduleRefresh();
      run.then(
        () => tree.scheduleRefresh(),
        (error: unknown) => {
          tree.scheduleRefresh();
          log.error(`resume ${s.sessionId}: ${describeError(error)}`);
          void vscode.window.showErrorMessage(
            `Agent OS: resuming "${title(s.sessionId)}" failed: ${withoutLinks(describeError(error))}`,
          );
        },
      );
    }),

    reg('agentOs.interruptSession', async (arg) => {
      const s = await pickSession(arg, 'Session to interrupt');
      if (!s) return;
      await (await service()).interrupt(s.sessionId, s.threadId);
      tree.scheduleRefresh();
    }),

    reg('agentOs.deleteSession', async (arg) => {
      const s = await pickSession(arg, 'Session to delete');
      if (!s) return;
      const answer = await vscode.window.showWarningMessage(
        `Delete the session "${title(s.sessionId)}" and its event log?`,
        {
          modal: true,
          detail:
            'Its log and worktree (and any dev containers) are removed. Its branch agent-os/<id> is kept, and a pull request already opened stays on GitHub.',
        },
        'Delete',
      );
      if (answer !== 'Delete') return;
      panels.closeSession(s.sessionId);
      deps.overviews.closeSession(s.sessionId);
      await deps.runtimeReady();
      if (deps.runtime.available) await deps.runtime.require().delete(s.sessionId);
      else await deps.store.delete(s.sessionId);
      tree.forget(s.sessionId);
      log.info(`deleted ${s.sessionId}`);
    }),

    reg('agentOs.openEventLog', async (arg) => {
      const s = await pickSession(arg, 'Session to show');
      if (s) panels.show(s.sessionId, s.threadId ?? null);
    }),

    reg('agentOs.openSessionOverview', async (arg) => {
      const s = await pickSession(arg, 'Session to show at a glance');
      if (s) deps.overviews.show(s.sessionId);
    }),

    reg('agentOs.showChanges', async (arg) => {
      const s = await pickSession(arg, 'Session whose changes to show');
      if (!s) return;
      const changes = await (await service()).changes(s.sessionId);
      await showChanges(changes, title(s.sessionId));
    }),

    reg('agentOs.setApiKey', async () => {
      const key = await vscode.window.showInputBox({
        title: 'Anthropic API Key',
        prompt: 'Kept in VS Code secret storage (your system keychain), never in settings.',
        password: true,
        ignoreFocusOut: true,
        placeHolder: 'sk-ant-…',
        validateInput: (v) => (v.trim().length >= 8 ? undefined : 'Paste the whole key'),
      });
      if (!key) return;
      await deps.context.secrets.store(API_KEY_SECRET, key.trim());
      log.info('Anthropic API key stored in secret storage');
      // secrets.onDidChange rebuilds the runtime with the new key.
      void vscode.window.showInformationMessage('Agent OS: API key saved in secret storage.');
    }),

    reg('agentOs.openAgentDefinitions', async () => {
      const files = await vscode.workspace.findFiles('{.agents/**/*.md,.claude/agents/**/*.md}', undefined, 200);
      if (files.length === 0) {
        const folder = vscode.workspace.workspaceFolders?.[0];
        const create = folder
          ? await vscode.window.showInformationMessage(
              'This workspace defines no agents of its own: the built-in Coordinator, Planner, Coder and Reviewer run. ' +
                'Agent files in .agents/ (Markdown with YAML front matter) add agents or override the built-ins.',
              'Create .agents/',
            )
          : undefined;
        if (create && folder) {
          const dir = vscode.Uri.joinPath(folder.uri, '.agents');
          await vscode.workspace.fs.createDirectory(dir);
          await vscode.commands.executeCommand('revealInExplorer', dir);
        }
        return;
      }
      const pick =
        files.length === 1
          ? { uri: files[0]! }
          : await vscode.window.showQuickPick(
              files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
              { placeHolder: 'Agent definition to open' },
            );
      if (pick) await vscode.window.showTextDocument(pick.uri);
    }),

    reg('agentOs.approveAndCreatePr', async (arg) => {
      const s = await pickSession(arg, 'Session to approve');
      if (!s) return;
      const verdict = s.verdictEventId ?? tree.model.state(s.sessionId)?.latestVerdict?.id;
      if (!verdict) {
        void vscode.window.showInformationMessage(`Agent OS: "${title(s.sessionId)}" has no verdict to approve yet.`);
        return;
      }
      const service = await runner();
      if (!service) return;
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Agent OS: pushing and opening the pull request for "${title(s.sessionId)}"…`,
        },
        () => service.approve(s.sessionId, verdict),
      );
      tree.scheduleRefresh();
      const pr = (await readSessionState(deps.store, s.sessionId)).state.pullRequest;
      if (pr) {
        const open = await vscode.window.showInformationMessage(
          `Agent OS: pull request #${pr.number} opened.`,
          'Open Pull Request',
        );
        if (open) await vscode.env.openExternal(vscode.Uri.parse(pr.url));
      }
    }),

    reg('agentOs.requestChanges', async (arg) => {
      const s = await pickSession(arg, 'Session to send back');
      if (!s) return;
      const verdict = s.verdictEventId ?? tree.model.state(s.sessionId)?.latestVerdict?.id;
      if (!verdict) return;
      const feedback = await vscode.window.showInputBox({
        title: 'Request Changes',
        prompt: 'What should the Coder change? The text goes to the Coder thread, which keeps its whole history.',
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'Say what to change'),
      });
      if (!feedback) return;
      const service = await runner();
      if (!service) return;
      await service.requestChanges(s.sessionId, verdict, feedback.trim());
      tree.scheduleRefresh();
    }),

    reg('agentOs.allowTool', async (arg) => {
      const s = readSessionArgs(arg);
      if (!s?.toolUseEventId) return;
      const service = await runner();
      if (!service) return;
      await service.confirmTool(s.sessionId, s.toolUseEventId, true);
    }),

    reg('agentOs.denyTool', async (arg) => {
      const s = readSessionArgs(arg);
      if (!s?.toolUseEventId) return;
      const reason = await vscode.window.showInputBox({
        title: 'Deny Tool',
        prompt: 'Why? The agent reads this and can choose another way.',
        ignoreFocusOut: true,
      });
      if (reason === undefined) return;
      await (await service()).confirmTool(s.sessionId, s.toolUseEventId, false, reason.trim() || undefined);
    }),

    reg('agentOs.refreshThreads', () => tree.load()),
    reg('agentOs.showOutput', () => log.show()),
    reg('agentOs.checkEnvironment', async () => {
      // The check runs the repository's set-up commands: never in Restricted Mode.
      if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage(`Agent OS: ${UNTRUSTED_MESSAGE}`);
      await checkEnvironmentCommand({ storeDir: deps.storeDir, log });
    }),
  ];
}
