// Replays the recorded logs of test/fixtures/logs (real sessions, see recordCorpus.ts there):
// every event still parses under today's schema, and at each point where a running thread's harness
// wrote its next event, the stepper, given only the log before it, asks for exactly that step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_SCHEMA_VERSION, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { DELEGATION_TOOL_NAME } from '../../src/core/harness/delegationTool.ts';
import { depthOf } from '../../src/core/harness/delegation.ts';
import { nextStep } from '../../src/core/harness/nextStep.ts';
import { DEFAULT_LOOP_LIMITS } from '../../src/core/harness/runaway.ts';
import { PlanStepsFold } from '../../src/core/pipeline/planSteps.ts';
import { roleRules } from '../../src/core/pipeline/roles.ts';
import type { Step } from '../../src/core/harness/step.ts';
import { ThreadFactsCache } from '../../src/core/harness/threadFacts.ts';
import { initialSessionState, reduce, type SessionState } from '../../src/core/session/sessionState.ts';
import type { ResolvedToolConfig } from '../../src/core/tools/toolConfig.ts';

const dir = join(__dirname, '..', 'fixtures', 'logs');
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort();

function load(name: string): {
  events: SessionEvent[];
  agents: Record<string, { tools: ResolvedToolConfig[]; callableAgents: string[] }>;
} {
  const lines = readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean);
  return {
    events: lines.map((l) => JSON.parse(l) as SessionEvent),
    agents: JSON.parse(readFileSync(join(dir, name.replace(/\.jsonl$/, '.agents.json')), 'utf8')),
  };
}

test('the corpus holds recorded sessions', () => {
  assert.ok(corpus.length >= 2, corpus.join(', '));
});

for (const name of corpus) {
  test(`${name}: every event parses under schema version ${EVENT_SCHEMA_VERSION}`, () => {
    for (const [i, raw] of load(name).events.entries()) {
      // A log written before a schema change must still be read: bump EVENT_SCHEMA_VERSION only with
      // a reader for the older records, and keep the older logs here.
      assert.equal(
        raw.schema_version,
        EVENT_SCHEMA_VERSION,
        `${name} line ${i + 1}: recorded under schema ${raw.schema_version}`,
      );
      const parsed = SessionEvent.safeParse(raw);
      assert.ok(parsed.success, `${name} line ${i + 1} (${raw.type}): ${parsed.success ? '' : parsed.error.message}`);
    }
  });

  test(`${name}: where workspaces are recorded, no thread runs a tool before its own`, () => {
    const events = load(name).events;
    if (!events.some((e) => e.type === 'agent_os.thread_workspace')) return; // an older log: chosen on wake
    const recorded = new Set<string>();
    for (const e of events) {
      if (e.type === 'agent_os.thread_workspace') recorded.add(e.session_thread_id);
      if (e.type === 'agent.tool_use') assert.ok(recorded.has(e.thread), `${name} seq ${e.seq}: no workspace yet`);
    }
  });

  test(`${name}: the stepper asks for each step the harness took`, () => {
    const { events, agents } = load(name);
    let state: SessionState = initialSessionState('replay');
    const byThread = new Map<string, SessionEvent[]>();
    const facts = new ThreadFactsCache((id) => byThread.get(id) ?? []);
    /** Threads whose current run saw an interrupt or a wake: what they do is the wake's and the
     * interrupt's table tests' business, not this replay's. */
    const unsettled = new Set<string>();
    let checked = 0;
    const steps = new PlanStepsFold();
    let maxStepAttempts = 3;
    for (const event of events) {
      const thread = state.threads[event.thread];
      const agent = thread ? agents[thread.agentName] : undefined;
      const expected = expectedKind(event, state);
      if (
        thread &&
        agent &&
        thread.status === 'running' &&
        expected &&
        !unsettled.has(thread.id) &&
        !delegating(thread.pendingToolUses.values())
      ) {
        const step = nextStep({
          threadId: thread.id,
          agent: { name: thread.agentName, tools: agent.tools },
          mayDelegate: agent.callableAgents.length > 0 && depthOf(state.threads, thread.id) < 1,
          facts: facts.of(thread.id),
          pending: thread.pendingToolUses,
          interrupted: false,
          delegations: new Map(),
          supervision: {
            steps,
            completesSteps: roleRules(thread.agentName).result === 'work',
            maxStepAttempts,
            loopLimits: DEFAULT_LOOP_LIMITS,
          },
        });
        assert.deepEqual(summary(step), expected, `${name} seq ${event.seq} (${event.type})`);
        checked++;
      }
      if (event.type === 'user.interrupt' || event.type === 'agent_os.wake')
        for (const id of Object.keys(state.threads)) unsettled.add(id);
      if (event.type === 'session.thread_status_running') unsettled.delete(event.session_thread_id);
      state = reduce(state, event);
      steps.apply(event);
      if (event.type === 'agent_os.step_updated') maxStepAttempts = event.max_attempts;
      let list = byThread.get(event.thread);
      if (!list) byThread.set(event.thread, (list = []));
      list.push(event);
    }
    assert.ok(checked >= 10, `only ${checked} steps were checked`);
  });
}

function delegating(uses: Iterable<SessionEvent>): boolean {
  for (const u of uses) if (u.type === 'agent.tool_use' && u.name === DELEGATION_TOOL_NAME) return true;
  return false;
}

/** The step a harness event shows was taken, in the shape `summary` gives a step. */
function expectedKind(event: SessionEvent, state: SessionState): Record<string, unknown> | undefined {
  switch (event.type) {
    case 'agent.tool_use':
      return { kind: 'record_tool_use', id: event.model_tool_use_id, permission: event.evaluated_permission };
    case 'span.model_request_start':
      return { kind: 'request_model' };
    case 'agent_os.step_updated':
      // The runtime starts a step's validation with this event; its other states follow the run.
      return event.state === 'running' ? { kind: 'validate_step' } : undefined;
    case 'agent_os.loop_detected':
      return { kind: 'record_loop' };
    case 'agent.tool_result': {
      const use = state.threads[event.thread]?.pendingToolUses.get(event.tool_use_id);
      if (!use || use.name === DELEGATION_TOOL_NAME) return undefined;
      return { kind: 'tool answer', id: event.tool_use_id };
    }
    case 'session.thread_status_idle':
      if (event.session_thread_id !== event.thread) return undefined;
      return event.stop_reason.type === 'requires_action'
        ? { kind: 'wait', eventIds: event.stop_reason.event_ids }
        : { kind: 'done' };
    default:
      return undefined;
  }
}

function summary(step: Step): Record<string, unknown> {
  switch (step.kind) {
    case 'record_tool_use':
      return { kind: step.kind, id: step.block.id, permission: step.permission };
    case 'run_tool':
      return { kind: 'tool answer', id: step.use.id };
    case 'answer_tool':
      return { kind: 'tool answer', id: step.toolUseId };
    case 'wait':
      return { kind: step.kind, eventIds: step.eventIds };
    default:
      return { kind: step.kind };
  }
}
