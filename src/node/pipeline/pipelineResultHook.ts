// The pipeline's checks on what delegated threads hand back: the Planner's plan and the Reviewer's
// verdict are validated (a malformed one goes back to the agent with the schema error), a verdict is
// tied to its evidence (commits, diff hash, the test runs the Reviewer saw), REJECT rounds are bounded,
// and an APPROVE keeps the Coordinator waiting for a person.
import type { EventInput, EventOfType, SessionEvent } from '../../core/events/sessionEvent.ts';
import type { ThreadResultDecision, ThreadResultHook, ThreadResultRequest } from '../../core/harness/threadResultHook.ts';
import { parsePlan, parseVerdict } from '../../core/agents/structuredOutput.ts';
import type { Verdict } from '../../core/agents/verdictSchema.ts';
import { approvalOutcomeText, latestApprovalOf } from '../../core/pipeline/approval.ts';
import { roleRules } from '../../core/pipeline/roles.ts';
import { headCommit } from '../git/commits.ts';
import { diffWorktree } from '../git/worktreeDiff.ts';
import { handOffCoderWork } from './coderHandOff.ts';


export interface SessionWorkspace {
  /** The session's worktree (the Coder's files) and the commit its work is measured against. */
  worktree: string;
  baseCommit: string;
}

export interface PipelineHookOptions {
  workspace(): Promise<SessionWorkspace>;
  /** REJECT verdicts allowed before the pipeline gives up. */
  maxReviewRounds: number;
  /** Commit a Coder's work when it hands back (and merge parallel Coders' branches). */
  checkpointCoderWork: boolean;
  /** Where a parallel Coder thread (`thread_key`) works. */
  childWorktree?(key: string): Promise<{ worktree: string; branch: string }>;
}

export function pipelineResultHook(options: PipelineHookOptions): ThreadResultHook {
  // Hand-offs touch the session branch: one at a time, even when parallel Coders finish together.
  let handOffs: Promise<unknown> = Promise.resolve();
  return async (request) => {
    const { result } = roleRules(request.agentName);
    if (result === 'plan') return planResult(request);
    if (result === 'verdict') return verdictResult(request, options);
    const text = request.finalText || '(the agent finished without a message)';
    if (result === 'work' && options.checkpointCoderWork) {
      const run = handOffs.then(() => coderResult(request, options, text));
      handOffs = run.catch(() => undefined);
      return run;
    }
    return { kind: 'accept', result: text };
  };
}

async function coderResult(request: ThreadResultRequest, options: PipelineHookOptions, text: string): Promise<ThreadResultDecision> {
  const workspace = await options.workspace();
  const created = request.events.find((e) => e.type === 'session.thread_created' && e.session_thread_id === request.threadId);
  const key = created?.type === 'session.thread_created' ? created.thread_key : undefined;
  const child = key && options.childWorktree ? { key, ...(await options.childWorktree(key)) } : undefined;
  const handOff = await handOffCoderWork({
    sessionWorktree: workspace.worktree,
    agentName: request.agentName,
    finalText: text,
    ...(child ? { child } : {}),
  });
  return { kind: 'accept', result: `${text}\n\n${handOff.note}` };
}

function planResult(request: ThreadResultRequest): ThreadResultDecision {
  const parsed = parsePlan(request.finalText);
  if (!parsed.ok) return { kind: 'correct', message: parsed.error };
  const already = request.events.some(
    (e) => e.type === 'agent_os.plan_submitted' && e.model_request_end_id === request.modelRequestEndId,
  );
  const events: EventInput[] = already
    ? []
    : [{ type: 'agent_os.plan_submitted', thread: request.threadId, plan: parsed.value, model_request_end_id: request.modelRequestEndId }];
  return { kind: 'accept', result: `Plan accepted:\n${JSON.stringify(parsed.value, null, 2)}`, events };
}

async function verdictResult(request: ThreadResultRequest, options: PipelineHookOptions): Promise<ThreadResultDecision> {
  const parsed = parseVerdict(request.finalText);
  if (!parsed.ok) return { kind: 'correct', message: parsed.error };
  const verdict = parsed.value;
  const existing = request.events.find(
    (e): e is EventOfType<'agent_os.verdict_submitted'> =>
      e.type === 'agent_os.verdict_submitted' && e.model_request_end_id === request.modelRequestEndId,
  );
  const events: EventInput[] = [];
  const verdictEventId = existing?.id;
  if (!existing) {
    const workspace = await options.workspace();
    const diff = await diffWorktree(workspace.worktree, workspace.baseCommit);
    events.push({
      type: 'agent_os.verdict_submitted',
      thread: request.threadId,
      verdict,
      model_request_end_id: request.modelRequestEndId,
      evidence: {
        base_commit: workspace.baseCommit,
        head_commit: await headCommit(workspace.worktree),
        diff_sha256: diff.sha256,
        test_run_event_ids: testRunsSeen(request),
      },
    });
  }

  if (verdict.decision === 'REJECT') {
    const rounds = rejectRounds(request.events) + (existing ? 0 : 1);
    const fixes = formatFixes(verdict);
    if (rounds > options.maxReviewRounds) {
      return {
        kind: 'fail',
        result: `The Reviewer rejected the change ${rounds} times; the limit is ${options.maxReviewRounds} rounds. Stop and report what is left:\n${fixes}`,
        events,
      };
    }
    return {
      kind: 'accept',
      result: `REJECT (review round ${rounds} of ${options.maxReviewRounds}): ${verdict.summary}\nFixes to send to the Coder:\n${fixes}`,
      events,
    };
  }

  // APPROVE: a person decides. Until then the Coordinator's call stays open.
  if (!verdictEventId) return { kind: 'hold', events };
  const approval = latestApprovalOf(request.events, verdictEventId);
  if (!approval) return { kind: 'hold', waitingOnEventId: verdictEventId, events };
  return { kind: 'accept', result: approvalOutcomeText(request.events, approval), events };
}

/** The bash calls the Reviewer made for this review: the test runs its verdict rests on. */
function testRunsSeen(request: ThreadResultRequest): string[] {
  const delivered = request.events.find(
    (e) => e.type === 'agent.thread_message_sent' && e.delegation_tool_use_id === request.delegationToolUseId && e.to_session_thread_id === request.threadId,
  );
  const since = delivered?.seq ?? 0;
  return request.events
    .filter((e) => e.thread === request.threadId && e.seq > since && e.type === 'agent.tool_use' && e.name === 'bash')
    .map((e) => e.id);
}

export function rejectRounds(events: readonly SessionEvent[]): number {
  return events.filter((e) => e.type === 'agent_os.verdict_submitted' && e.verdict.decision === 'REJECT').length;
}

export function formatFixes(verdict: Extract<Verdict, { decision: 'REJECT' }>): string {
  return verdict.fixes.map((f, i) => `${i + 1}. ${f.file ? `${f.file}: ` : ''}${f.problem} — fix: ${f.fix}`).join('\n');
}
