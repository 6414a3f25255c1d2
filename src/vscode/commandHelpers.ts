// What every command module shares: its dependencies, and the helpers that run a command with its error
// shown, get the runtime (refusing in Restricted Mode), and find the session a command was invoked on.
import * as vscode from 'vscode';
import { describeError } from '../core/errors.ts';
import type { SessionService } from '../core/runtime/sessionService.ts';
import type { SessionStore } from '../core/session/sessionStore.ts';
import { noticeText, withoutLinks } from '../views/personWaits.ts';
import { STATUS_LABEL } from '../views/sessionStatus.ts';
import { readSessionArgs, type SessionArgs } from './commandArgs.ts';
import type { EventLogPanels } from './eventLogPanel.ts';
import type { OverviewPanels } from './overviewPanel.ts';
import type { RuntimeAccess } from './runtimeAccess.ts';
import type { ThreadsTreeProvider } from './threadsTreeProvider.ts';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  store: SessionStore;
  runtime: RuntimeAccess;
  tree: ThreadsTreeProvider;
  treeView: vscode.TreeView<import('./threadsTreeProvider.ts').ThreadsNode>;
  panels: EventLogPanels;
  overviews: OverviewPanels;
  log: vscode.LogOutputChannel;
  /** Settles once the runtime has been (re)built: it is made after activation returns. */
  runtimeReady(): Promise<void>;
  /** The session store's folder (the environment cache lives in its .environments). */
  storeDir: string;
}

export const UNTRUSTED_MESSAGE =
  'Agent OS does not run agents in Restricted Mode: agents run commands and change files in this workspace. ' +
  'Trust the workspace to plan and implement issues here; existing sessions can still be read.';

export function commandHelpers(deps: CommandDeps) {
  const { tree, log } = deps;
  const reg = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (error) {
        log.error(`${id}: ${describeError(error)}`);
        void vscode.window
          .showErrorMessage(`Agent OS: ${withoutLinks(describeError(error))}`, 'Show Log')
          .then((a) => a && log.show());
      }
    });

  /** A service that may run agents: only in a trusted workspace, and only when the runtime exists. */
  const service = async (): Promise<SessionService> => {
    await deps.runtimeReady();
    return deps.runtime.require();
  };
  const runner = async (): Promise<SessionService | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      log.warn('refused to run agents: the workspace is not trusted');
      return undefined;
    }
    return service();
  };

  const pickSession = async (arg: unknown, placeHolder: string): Promise<SessionArgs | undefined> => {
    const given = readSessionArgs(arg);
    if (given) return given;
    await tree.load();
    const items = tree.model
      .sessions()
      .map((s) => ({ label: s.label, description: STATUS_LABEL[s.status], sessionId: s.sessionId }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage('Agent OS: there are no sessions yet.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items, { placeHolder });
    return pick && { sessionId: pick.sessionId };
  };

  // Session titles are issue titles (anyone's text): in a notification, brackets would make command links.
  const title = (sessionId: string) => noticeText(tree.model.meta(sessionId)?.title ?? sessionId);

  const revealSession = async (sessionId: string) => {
    try {
      await deps.treeView.reveal(tree.sessionNode(sessionId), { select: true, focus: false, expand: true });
    } catch (error) {
      log.debug(`reveal ${sessionId}: ${describeError(error)}`);
    }
  };

  return { reg, service, runner, pickSession, title, revealSession };
}
