// The commands of the runtime's supervision that ask the person: answer the Planner's questions before the
// Coder starts (from the Event Log's question card, its notification, the tree or the palette), and fork a
// session from one of its events (the Event Log's Fork from Here, or the palette).
import * as vscode from 'vscode';
import { describeError, StateConflictError } from '../core/errors.ts';
import { readSessionState } from '../core/session/sessionStateFold.ts';
import type { SessionService } from '../core/runtime/sessionService.ts';
import { withoutLinks } from '../views/personWaits.ts';
import { commandHelpers, type CommandDeps } from './commandHelpers.ts';

export function registerSupervisionCommands(deps: CommandDeps): vscode.Disposable[] {
  const { tree, panels, log } = deps;
  const { reg, runner, pickSession, title, revealSession } = commandHelpers(deps);

  /** Runs the session on in the background, as Resume does: the tree and the Event Log show it from the log. */
  const runOn = (sessionId: string, what: string, run: Promise<void>) => {
    tree.scheduleRefresh();
    run.then(
      () => tree.scheduleRefresh(),
      (error: unknown) => {
        tree.scheduleRefresh();
        log.error(`${what} ${sessionId}: ${describeError(error)}`);
        void vscode.window.showErrorMessage(`Agent OS: "${title(sessionId)}": ${withoutLinks(describeError(error))}`);
      },
    );
  };

  return [
    reg('agentOs.answerQuestions', async (arg) => {
      const s = await pickSession(arg, "Session whose Planner's questions to answer");
      if (!s) return;
      // From the fold's checkpoint: the session's state says what is asked, without reading the log.
      const asked = (await readSessionState(deps.store, s.sessionId)).state.openQuestions;
      if (!asked || (s.questionsEventId && s.questionsEventId !== asked.id)) {
        void vscode.window.showInformationMessage(
          `Agent OS: "${title(s.sessionId)}" has no questions waiting for you.`,
        );
        return;
      }
      const answers = s.answers ?? (await askEach(asked.questions));
      if (!answers) return;
      const service = await runner();
      if (!service) return;
      const answer = requireAnswering(service);
      log.info(`answering the Planner of ${s.sessionId}`);
      runOn(s.sessionId, 'answering', answer(s.sessionId, asked.id, answers));
    }),

    reg('agentOs.forkSession', (arg) => fork(arg)),
    // The Event Log's context menu on a row: the row's event and the panel's session (`data-vscode-context`).
    reg('agentOs.forkSessionHere', (arg) => fork(arg)),
  ];

  async function fork(arg: unknown): Promise<void> {
    const s = await pickSession(arg, 'Session to fork');
    if (!s) return;
    const at = s.eventId ?? (await askForkPoint());
    if (!at) return;
    const service = await runner();
    if (!service) return;
    if (!service.fork)
      throw new StateConflictError(
        'this backend cannot fork sessions (the managed platform keeps them); switch agentOs.backend to local',
      );
    const fork = await service.fork(s.sessionId, at);
    log.info(`forked ${s.sessionId} at ${at} into ${fork.id}`);
    await tree.track(fork);
    await revealSession(fork.id);
    panels.show(fork.id, null);
    runOn(fork.id, 'running the fork', service.resume(fork.id));
  }
}

function requireAnswering(service: SessionService): NonNullable<SessionService['answerQuestions']> {
  if (!service.answerQuestions)
    throw new StateConflictError("this backend cannot take answers to the Planner's questions");
  return service.answerQuestions.bind(service);
}

/** The questions one by one, as the CLI asks them on a terminal; Escape gives up on all of them. */
async function askEach(questions: readonly string[]): Promise<string[] | undefined> {
  const answers: string[] = [];
  for (const [i, question] of questions.entries()) {
    const answer = await vscode.window.showInputBox({
      title: `Answer the Planner (${i + 1} of ${questions.length})`,
      prompt: withoutLinks(question),
      ignoreFocusOut: true,
    });
    if (answer === undefined) return undefined;
    answers.push(answer.trim());
  }
  return answers;
}

async function askForkPoint(): Promise<string | undefined> {
  const at = await vscode.window.showInputBox({
    title: 'Fork Session',
    prompt: 'The event to fork from: its number in the Event Log, or its id (sevt_…). The fork keeps the log up to it.',
    ignoreFocusOut: true,
    validateInput: (v) => (/^(\d+|sevt_[A-Za-z0-9]+)$/.test(v.trim()) ? undefined : 'An event number or an event id'),
  });
  return at?.trim();
}
