// The `delegate` step: hands a `send_to_agent` call to its callee's thread (created, or reused:
// threads persist), runs that thread to its end, lets the pipeline check what comes back, and answers
// the call — or sends a correction back to the callee a bounded number of times.
import { StateCorruptError } from '../errors.ts';
import { newId } from '../events/ids.ts';
import type { EventInput, StopReason } from '../events/sessionEvent.ts';
import type { ThreadState } from '../session/sessionState.ts';
import { DelegationInput } from './delegationTool.ts';
import type { HarnessAgent } from './harnessAgent.ts';
import type { DelegationRun } from './nextStep.ts';
import type { SessionLog } from './sessionLog.ts';
import type { ThreadOutcome, ToolUseEvent } from './step.ts';
import { childKey, type ThreadFacts } from './threadFacts.ts';
import type { CommandRunResult } from '../pipeline/planSteps.ts';
import type { ThreadResultDecision, ThreadResultHook } from './threadResultHook.ts';
import { toolResult } from './toolResults.ts';

export interface DelegationContext {
  log: SessionLog;
  agent(name: string): HarnessAgent | undefined;
  facts(threadId: string): ThreadFacts;
  runThread(threadId: string, signal: AbortSignal): Promise<ThreadOutcome>;
  /** Runs a command as the runtime over a thread's files (the verdict's test run in a Reviewer's clean room). */
  runCommand?(threadId: string, command: string, signal: AbortSignal): Promise<CommandRunResult>;
  onThreadResult?: ThreadResultHook;
  maxCorrections?: number;
}

/** Runs one delegation. Resolves with an outcome the caller must act on (waiting, stopped,
 * interrupted), or undefined once the call has its result. */
export async function delegate(
  ctx: DelegationContext,
  parentId: string,
  parentAgent: HarnessAgent,
  use: ToolUseEvent,
  signal: AbortSignal,
): Promise<ThreadOutcome | undefined> {
  const { log } = ctx;
  const refuse = async (text: string): Promise<undefined> => {
    await log.append(toolResult(parentId, use.id, text, true));
    return undefined;
  };
  const parsed = DelegationInput.safeParse(use.input);
  if (!parsed.success) {
    return refuse(
      `invalid send_to_agent input: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`,
    );
  }
  const { agent_name: agentName, message, thread_key: key } = parsed.data;
  if (!parentAgent.callableAgents.includes(agentName)) {
    return refuse(
      `agent '${parentAgent.name}' may not call '${agentName}' (it may call: ${parentAgent.callableAgents.join(', ') || 'none'})`,
    );
  }
  if (isAncestorAgent(log.state.threads, parentId, agentName))
    return refuse(`delegation cycle refused: '${agentName}' is already in this chain`);
  const childAgent = ctx.agent(agentName);
  if (!childAgent) return refuse(`agent '${agentName}' is not defined`);

  const childId = await childThread(ctx, parentId, agentName, key ?? agentName, childAgent.version);
  // The reply and the result are two records: a crash between them leaves the reply alone, and only the
  // result is still owed (running the child and its checks again would send the reply twice).
  const owed = owedResult(ctx, parentId, childId, use.id);
  if (owed) {
    await log.append(toolResult(parentId, use.id, owed.text, owed.isError));
    return undefined;
  }
  // A nested caller is named to its callee; the primary thread speaks as the session.
  const nested = log.state.threads[parentId]?.parentThreadId ? parentAgent.name : undefined;
  const delivery = ctx.facts(parentId).deliveries.get(use.id);
  const received: EventInput = {
    type: 'agent.thread_message_received',
    thread: childId,
    from_session_thread_id: parentId,
    ...(nested ? { from_agent_name: nested } : {}),
    content: [{ type: 'text', text: message }],
  };
  if (delivery?.childId === childId) {
    // Sent and received are two records too: a crash between them leaves the child without its message.
    if (!ctx.facts(childId).receivedSeqs.some((seq) => seq > delivery.seq)) await log.append(received);
  } else {
    await log.appendMany([
      {
        type: 'agent.thread_message_sent',
        thread: parentId,
        to_session_thread_id: childId,
        to_agent_name: agentName,
        content: [{ type: 'text', text: message }],
        delegation_tool_use_id: use.id,
      },
      received,
    ]);
  }

  for (let corrections = correctionsSince(ctx, parentId, childId, use.id); ;) {
    const outcome = await ctx.runThread(childId, signal);
    if (outcome.kind !== 'done') {
      if (outcome.kind === 'stopped' && outcome.reason.type === 'retries_exhausted') {
        return refuse(`the ${agentName} thread failed: its model requests could not be completed`);
      }
      return outcome;
    }
    const decision: ThreadResultDecision = ctx.onThreadResult
      ? await ctx.onThreadResult({
          sessionId: log.sessionId,
          threadId: childId,
          agentName,
          parentThreadId: parentId,
          delegationToolUseId: use.id,
          finalText: outcome.text,
          modelRequestEndId: outcome.endEventId,
          correctionsSent: corrections,
          eventsOfTypes: (types) => log.eventsOfTypes(types),
          threadEvents: (threadId) => log.threadEvents(threadId),
          ...(outcome.halt ? { halt: outcome.halt } : {}),
          ...(ctx.runCommand ? { runCommand: (command: string) => ctx.runCommand!(childId, command, signal) } : {}),
        })
      : { kind: 'accept', result: outcome.text };
    const appended = decision.events?.length ? await log.appendMany(decision.events) : [];
    const followUp = 'followUp' in decision && decision.followUp ? decision.followUp(appended) : [];
    const followed = followUp.length ? await log.appendMany(followUp) : [];
    switch (decision.kind) {
      case 'accept':
      case 'fail':
        await log.appendMany([
          {
            type: 'agent.thread_message_sent',
            thread: childId,
            to_session_thread_id: parentId,
            ...(nested ? { to_agent_name: nested } : {}),
            content: [{ type: 'text', text: decision.result }],
            delegation_tool_use_id: use.id,
          },
          toolResult(parentId, use.id, decision.result, decision.kind === 'fail'),
        ]);
        return undefined;
      case 'hold': {
        const waitingOn = decision.waitingOnEventId ?? (followed[0] ?? appended[0])?.id;
        if (!waitingOn) throw new StateCorruptError('a held thread result names no event to wait on');
        return { kind: 'waiting', eventIds: [waitingOn] };
      }
      case 'correct':
        if (corrections >= (ctx.maxCorrections ?? 3)) {
          return refuse(
            `the ${agentName} thread did not produce a valid result after ${corrections} corrections: ${decision.message}`,
          );
        }
        corrections++;
        await log.append({
          type: 'agent.thread_message_received',
          thread: childId,
          from_session_thread_id: parentId,
          content: [{ type: 'text', text: decision.message }],
        });
        if (signal.aborted) return { kind: 'interrupted' };
        break;
    }
  }
}

/** The result still owed when the child's reply to this delegation is in the log already (its text; an error when
 * the runtime had stopped the child, whose report goes back as a failure), or undefined when there is no reply. */
function owedResult(
  ctx: DelegationContext,
  parentId: string,
  childId: string,
  delegationToolUseId: string,
): { text: string; isError: boolean } | undefined {
  const facts = ctx.facts(childId);
  const reply = facts.deliveries.get(delegationToolUseId);
  if (reply?.childId !== parentId) return undefined;
  const sent = ctx.log.threadEvents(childId).find((e) => e.seq === reply.seq);
  const text = sent?.type === 'agent.thread_message_sent' ? sent.content.map((b) => b.text).join('\n') : '';
  return { text, isError: facts.halt !== undefined };
}

/** Corrections already sent to the child for this delegation (messages after the delegation's own). */
function correctionsSince(
  ctx: DelegationContext,
  parentId: string,
  childId: string,
  delegationToolUseId: string,
): number {
  const delivery = ctx.facts(parentId).deliveries.get(delegationToolUseId);
  if (!delivery || delivery.childId !== childId) return 0;
  // The first message after the delivery is the delegation's own (it follows at once, or after a crash later).
  return Math.max(0, ctx.facts(childId).receivedSeqs.filter((seq) => seq > delivery.seq).length - 1);
}

export function isAncestorAgent(
  threads: Readonly<Record<string, ThreadState>>,
  threadId: string,
  agentName: string,
): boolean {
  for (let t = threads[threadId]; t; t = t.parentThreadId ? threads[t.parentThreadId] : undefined) {
    if (t.agentName === agentName) return true;
  }
  return false;
}

export function depthOf(threads: Readonly<Record<string, ThreadState>>, threadId: string): number {
  let depth = 0;
  for (let t = threads[threadId]; t?.parentThreadId; t = threads[t.parentThreadId]) depth++;
  return depth;
}

async function childThread(
  ctx: DelegationContext,
  parentId: string,
  agentName: string,
  key: string,
  version: number,
): Promise<string> {
  const existing = ctx.facts(parentId).children.get(childKey(agentName, key));
  if (existing) return existing;
  const id = newId('sthr');
  await ctx.log.append({
    type: 'session.thread_created',
    thread: parentId,
    session_thread_id: id,
    agent_name: agentName,
    agent_version: version,
    parent_thread_id: parentId,
    ...(key !== agentName ? { thread_key: key } : {}),
  });
  return id;
}

/** The `join_delegations` step: waits for this turn's delegations still running and marks each held (its
 * callee waits for the person) or settled; the first stop reason among them stops the caller too. */
export async function joinDelegations(
  running: Map<string, Promise<ThreadOutcome | undefined>>,
  delegations: Map<string, DelegationRun>,
): Promise<ThreadOutcome | undefined> {
  const ids = [...running.keys()];
  const outcomes = await Promise.all(running.values());
  running.clear();
  let stopped: StopReason | undefined;
  ids.forEach((id, i) => {
    const outcome = outcomes[i];
    if (outcome?.kind === 'waiting') delegations.set(id, { state: 'held', eventIds: outcome.eventIds });
    else delegations.set(id, { state: 'settled' });
    if (outcome?.kind === 'stopped') stopped ??= outcome.reason;
  });
  return stopped ? { kind: 'stopped', reason: stopped } : undefined;
}
