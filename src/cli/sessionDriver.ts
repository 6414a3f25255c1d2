// Drives a session on the terminal until it is done or needs someone: prints progress, and when the
// Reviewer's verdict waits for approval, takes the decision from flags or asks on the terminal.
import { suiteRunLine } from '../views/supervisionEventText.ts';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { AgentOsError } from '../core/errors.ts';
import type { EventOfType, StopReason } from '../core/events/sessionEvent.ts';
import type { SessionState } from '../core/session/sessionState.ts';
import type { SessionService } from '../core/runtime/sessionService.ts';
import type { SessionStore } from '../core/session/sessionStore.ts';
import { printProgress } from './progressPrinter.ts';
import { promptText } from './terminalOutput.ts';
import { readSessionState } from '../core/session/sessionStateFold.ts';

export interface Decision {
  approve?: boolean;
  reject?: string;
  /** Answers for tool calls waiting for confirmation (`always_ask`): allow them all, or deny with a reason. */
  allowTools?: boolean;
  denyTools?: string;
  /** Answers to the Planner's questions, one per question (`--answers <file>`). */
  answers?: string[];
}

/** The flags that decide for the person, shared by `run` and `resume`. */
export const decisionFlagOptions = {
  approve: { type: 'boolean' },
  reject: { type: 'string' },
  'allow-tools': { type: 'boolean' },
  'deny-tools': { type: 'string' },
  answers: { type: 'string' },
} as const;

export interface DecisionFlags {
  approve?: boolean;
  reject?: string;
  'allow-tools'?: boolean;
  'deny-tools'?: string;
  answers?: string;
}

export function decisionFromFlags(values: DecisionFlags): Decision {
  return {
    ...(values.approve ? { approve: true } : {}),
    ...(values.reject !== undefined ? { reject: values.reject } : {}),
    ...(values['allow-tools'] ? { allowTools: true } : {}),
    ...(values['deny-tools'] !== undefined ? { denyTools: values['deny-tools'] } : {}),
    ...(values.answers !== undefined ? { answers: readAnswers(values.answers) } : {}),
  };
}

/** `--answers <file>`: a JSON array of strings (or `{"answers": [...]}`), or one answer per non-empty line. */
export function readAnswers(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AgentOsError('INVALID_ARGUMENT', `--answers: cannot read ${file}: ${(error as Error).message}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new AgentOsError('INVALID_ARGUMENT', `--answers: ${file} is not valid JSON: ${(error as Error).message}`);
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { answers?: unknown }).answers;
    if (!Array.isArray(list) || !list.every((a) => typeof a === 'string')) {
      throw new AgentOsError(
        'INVALID_ARGUMENT',
        `--answers: ${file} must hold an array of strings, or {"answers": [...]}`,
      );
    }
    return list as string[];
  }
  return trimmed
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Ask on the terminal only when there is one and the flags did not decide the verdict. */
export function asksOnTerminal(values: DecisionFlags): boolean {
  return Boolean(process.stdin.isTTY) && !values.approve && values.reject === undefined;
}

export const EXIT_NEEDS_PERSON = 3;
export const EXIT_BUDGET = 4;

export async function driveSession(input: {
  /** Either backend: what the driver asks of it is the person's decisions. */
  runtime: Pick<SessionService, 'approve' | 'requestChanges' | 'confirmTool' | 'answerQuestions'>;
  store: SessionStore;
  sessionId: string;
  decision: Decision;
  out: (line: string) => void;
  /** Runs the session (start's own run, or a resume) and resolves when it stops. */
  run: () => Promise<StopReason | undefined>;
  interactive: boolean;
}): Promise<number> {
  const { store, sessionId, out } = input;
  const progress = new AbortController();
  // The state from the fold's checkpoint: what the driver decides from, without reading the log.
  const { state: opened } = await readSessionState(store, sessionId);
  if (input.decision.reject !== undefined && rejectionAlreadyRecorded(opened)) {
    // The same command ran before and was stopped after recording the rejection: it is carried out by
    // this run; the next verdict (from the new round) is the person's to judge, not this flag's.
    out('the requested changes were already recorded; continuing the session');
    input.decision = {};
  }
  const printing = printProgress(store, sessionId, out, progress.signal, opened.lastSeq + 1);
  try {
    await input.run();
    for (;;) {
      const { state } = await readSessionState(store, sessionId);
      const next = await decideNext(state, input);
      if (next === 'continue') continue;
      await settle(printing, progress);
      return finish(state, out);
    }
  } finally {
    progress.abort();
    await printing.catch(() => undefined);
  }
}

/** The latest verdict is already rejected and no new one came yet: a run that recorded the rejection was
 * stopped before the new round ended. (Its stop reason is no guide: the run may have marked it running.) */
/** The person's last answer was a rejection of the latest verdict (answers come after the verdict they answer). */
function rejectionAlreadyRecorded(state: SessionState): boolean {
  const verdict = state.latestVerdict;
  const approval = state.latestApproval;
  return verdict !== undefined && approval?.verdict_event_id === verdict.id && approval.decision === 'reject';
}

async function settle(printing: Promise<void>, progress: AbortController): Promise<void> {
  // Let the follower print what the run appended last before the summary.
  await new Promise((r) => setTimeout(r, 250));
  progress.abort();
  await printing.catch(() => undefined);
}

async function decideNext(
  state: SessionState,
  input: Parameters<typeof driveSession>[0],
): Promise<'continue' | 'stop'> {
  if (state.stopReason?.type !== 'requires_action') return 'stop';
  const asking = askingCalls(state, state.stopReason.event_ids);
  if (asking.length > 0) return answerToolCalls(asking, input);
  const questions = state.openQuestions;
  if (questions && state.stopReason.event_ids.includes(questions.id)) return answerQuestions(questions, input);
  const verdict = state.latestVerdict;
  const waitingOnVerdict = verdict && state.stopReason.event_ids.includes(verdict.id);
  if (!waitingOnVerdict || !verdict) return 'stop';
  let decision = input.decision;
  if (decision.approve === undefined && decision.reject === undefined && input.interactive)
    decision = await askPerson(verdict, input.out);
  if (decision.approve) {
    input.out('approving the verdict: committing, pushing and opening the pull request…');
    try {
      await input.runtime.approve(input.sessionId, verdict.id);
    } catch (error) {
      // The approval stays recorded when the push or the pull request fails; say how to carry it out later.
      if ((error as { code?: string }).code !== 'APPROVAL_REFUSED') {
        input.out(
          `the approval could not be carried out; once the cause is fixed: agent-os resume ${input.sessionId} --approve`,
        );
      }
      throw error;
    }
    input.decision = {};
    return 'continue';
  }
  if (decision.reject !== undefined) {
    input.out('sending the requested changes to the Coordinator…');
    await input.runtime.requestChanges(input.sessionId, verdict.id, decision.reject);
    input.decision = {};
    return 'continue';
  }
  return 'stop';
}

async function askPerson(
  verdict: EventOfType<'agent_os.verdict_submitted'>,
  out: (l: string) => void,
): Promise<Decision> {
  const v = verdict.verdict;
  out(`\nThe Reviewer approves: ${v.summary}`);
  out(
    `Evidence: head ${verdict.evidence.head_commit.slice(0, 12)}, diff ${verdict.evidence.diff_sha256.slice(0, 12)}, ${verdict.evidence.test_run_event_ids.length} test run(s) of the Reviewer's.`,
  );
  out(`${suiteRunLine(verdict.evidence.suite_run, verdict.evidence.suite_run_note)}.`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question('Approve and create the pull request? [y]es / [n]o, request changes / [l]ater: '))
      .trim()
      .toLowerCase();
    if (answer === 'y' || answer === 'yes') return { approve: true };
    if (answer === 'n' || answer === 'no')
      return { reject: (await rl.question('What should change? ')).trim() || 'Please revise.' };
    return {};
  } finally {
    rl.close();
  }
}

function finish(state: SessionState, out: (line: string) => void): number {
  const reason = state.stopReason;
  const cost = `$${state.usage.cost_usd.toFixed(4)}, ${state.usage.model_requests} model requests`;
  if (state.pullRequest) out(`\npull request #${state.pullRequest.number}: ${state.pullRequest.url}`);
  switch (reason?.type) {
    case undefined:
    case 'end_turn':
      out(`session ${state.id} finished (${cost})`);
      return 0;
    case 'requires_action':
      out(
        state.latestVerdict && reason.event_ids.includes(state.latestVerdict.id)
          ? `session ${state.id} waits for you (${cost}). Decide with: agent-os resume ${state.id} --approve | --reject "<what to change>"`
          : `session ${state.id} waits for you (${cost}). Decide with: agent-os resume ${state.id} --allow-tools | --deny-tools "<reason>" | --answers <file>`,
      );
      return EXIT_NEEDS_PERSON;
    case 'budget_reached':
      out(
        `session ${state.id} paused: its budget is reached (${cost}). Raise it and resume: agent-os resume ${state.id} --budget-usd <n>`,
      );
      return EXIT_BUDGET;
    default:
      out(`session ${state.id} stopped (${reason?.type}); it can be resumed: agent-os resume ${state.id}`);
      return 1;
  }
}

/** The pending calls that asked the person and that the session waits on, in log order. */
function askingCalls(state: SessionState, eventIds: readonly string[]): EventOfType<'agent.tool_use'>[] {
  return Object.values(state.threads)
    .flatMap((t) => [...t.pendingToolUses.values()])
    .filter((use) => use.evaluated_permission === 'ask' && eventIds.includes(use.id))
    .sort((a, b) => a.seq - b.seq);
}

/** Tool calls the agent's configuration says to ask about: answered from flags, or asked on the terminal. */
async function answerToolCalls(
  calls: EventOfType<'agent.tool_use'>[],
  input: Parameters<typeof driveSession>[0],
): Promise<'continue' | 'stop'> {
  for (const call of calls) {
    const what = `${call.name} ${JSON.stringify(call.input)}`;
    let allow: boolean | undefined;
    let reason: string | undefined;
    if (input.decision.allowTools) allow = true;
    else if (input.decision.denyTools !== undefined) [allow, reason] = [false, input.decision.denyTools];
    else if (input.interactive) [allow, reason] = await askAboutCall(what);
    if (allow === undefined) {
      input.out(
        `a tool call waits for your confirmation: ${what}\n  decide with: agent-os resume ${input.sessionId} --allow-tools | --deny-tools "<reason>"`,
      );
      return 'stop';
    }
    input.out(`${allow ? 'allowing' : 'denying'}: ${what}`);
    await input.runtime.confirmTool(input.sessionId, call.id, allow, reason);
  }
  return 'continue';
}

/** The Planner's questions before the Coder starts: answered from `--answers`, or asked on the terminal. */
async function answerQuestions(
  asked: EventOfType<'agent_os.questions_asked'>,
  input: Parameters<typeof driveSession>[0],
): Promise<'continue' | 'stop'> {
  input.out(
    `\nThe Planner asks before the Coder starts${asked.confidence !== undefined ? ` (its confidence: ${Math.round(asked.confidence * 100)}%)` : ''}:`,
  );
  asked.questions.forEach((q, i) => input.out(`  ${i + 1}. ${q}`));
  let answers = input.decision.answers;
  if (!answers && input.interactive) answers = await askQuestions(asked.questions);
  if (!answers || !input.runtime.answerQuestions) {
    input.out(
      `  answer with: agent-os resume ${input.sessionId} --answers <file>   (a JSON array of strings, or one answer per line)`,
    );
    return 'stop';
  }
  input.out('sending your answers to the Planner…');
  await input.runtime.answerQuestions(input.sessionId, asked.id, answers);
  input.decision = { ...input.decision };
  delete input.decision.answers;
  return 'continue';
}

async function askQuestions(questions: readonly string[]): Promise<string[]> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answers: string[] = [];
    for (const [i, q] of questions.entries())
      answers.push((await rl.question(promptText(`${i + 1}. ${q}\n> `))).trim());
    return answers;
  } finally {
    rl.close();
  }
}

async function askAboutCall(what: string): Promise<[boolean | undefined, string | undefined]> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(promptText(`Allow this call? ${what}\n[y]es / [n]o / [l]ater: `)))
      .trim()
      .toLowerCase();
    if (answer === 'y' || answer === 'yes') return [true, undefined];
    if (answer === 'n' || answer === 'no')
      return [false, (await rl.question('Why not (the agent reads this)? ')).trim() || undefined];
    return [undefined, undefined];
  } finally {
    rl.close();
  }
}
