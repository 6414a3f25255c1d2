// Random session logs for the folds' property tests: every kind of event the folds look at, in any order a
// log may hold them — results that answer open tool uses, unknown ones or none, verdicts pointing at runs,
// threads seen before they are created, questions and approvals of old verdicts. Seeded, so a failure can
// be replayed by its seed. Each event is checked against the schema (LogBuilder).
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { LogBuilder, PLAN } from './overviewLog.ts';

/** mulberry32: small, seeded, good enough to pick events. */
export function randomNumbers(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const THREADS = ['sthr_a', 'sthr_b', 'sthr_c', 'sthr_d'];
const AGENTS = ['Coordinator', 'Planner', 'Coder', 'Reviewer'];
const COMMANDS = ['npm test -- widgets', 'npm  test', 'grep -q countWidgets README.md', 'ls', 'npm run build'];
/** A plan as an older Planner wrote it: no ids, descriptions or files (readers read it leniently). */
const OLDER_PLAN = { summary: 'short', steps: [{ title: 'one', validation: 'ls' }] } as unknown as typeof PLAN;
const OUTPUTS = [
  'ok',
  '# pass 4\n# fail 0',
  '# pass 3\n# fail 1\n[exit code 1]',
  'Tests: 2 failed, 5 passed, 7 total',
  'killed',
];

/** `busy`: mostly model requests and tool calls on two threads, so that long logs reach the bounds a
 * fold keeps (lanes compacted, old tool calls let go). */
export function randomLog(seed: number, length: number, options: { busy?: boolean } = {}): SessionEvent[] {
  const rnd = randomNumbers(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const threads = options.busy ? THREADS.slice(0, 2) : THREADS;
  const log = new LogBuilder();
  const uses: SessionEvent[] = [];
  const starts: SessionEvent[] = [];
  const verdicts: SessionEvent[] = [];
  const plans: SessionEvent[] = [];
  const questions: SessionEvent[] = [];
  const runs: SessionEvent[] = [];
  let at = 0;
  const makers: Array<() => void> = [
    () => {
      const id = pick(threads);
      log.add(
        pick(threads),
        {
          type: 'session.thread_created',
          session_thread_id: id,
          agent_name: pick(AGENTS),
          parent_thread_id: rnd() < 0.3 ? null : pick(threads),
          ...(rnd() < 0.2 ? { thread_key: 'k' } : {}),
        },
        at,
      );
    },
    () =>
      log.add(
        pick(threads),
        { type: 'session.thread_status_running', session_thread_id: pick(threads), agent_name: pick(AGENTS) },
        at,
      ),
    () =>
      log.add(
        pick(threads),
        {
          type: 'session.thread_status_idle',
          session_thread_id: pick(threads),
          agent_name: pick(AGENTS),
          stop_reason: pick([{ type: 'end_turn' as const }, { type: 'budget_reached' as const }]),
        },
        at,
      ),
    () =>
      log.add(
        pick(threads),
        {
          type: pick(['session.thread_status_rescheduled', 'session.thread_status_terminated'] as const),
          session_thread_id: pick(threads),
          agent_name: pick(AGENTS),
        },
        at,
      ),
    () =>
      log.add(
        pick(threads),
        pick([
          { type: 'session.status_running' as const },
          { type: 'session.status_rescheduled' as const },
          { type: 'session.status_idle' as const, stop_reason: { type: 'end_turn' as const } },
        ]),
        at,
      ),
    () =>
      log.add(
        pick(threads),
        {
          type: 'session.error',
          error: { type: 'api_error', message: 'overloaded', retry_status: { type: 'retrying' } },
        },
        at,
      ),
    () => starts.push(log.add(pick(threads), { type: 'span.model_request_start', model: 'claude-sonnet-4-6' }, at)),
    () => {
      const start = starts.length > 0 && rnd() < 0.9 ? pick(starts) : undefined;
      log.add(
        start?.thread ?? pick(threads),
        {
          type: 'span.model_request_end',
          model_request_start_id: start?.id ?? 'sevt_unknown',
          is_error: rnd() < 0.1,
          model_usage: {
            input_tokens: Math.floor(rnd() * 5000),
            output_tokens: Math.floor(rnd() * 500),
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: Math.floor(rnd() * 9000),
          },
          cost_usd: Math.round(rnd() * 1000) / 10000,
        },
        at,
      );
    },
    () => {
      const name = pick(['bash', 'bash', 'read', 'edit', 'complete_step', 'send_to_agent']);
      const input =
        name === 'bash'
          ? { command: pick(COMMANDS) }
          : name === 'complete_step'
            ? { step_id: pick(['1', '2', '3']) }
            : name === 'send_to_agent'
              ? { agent_name: pick(AGENTS), message: 'go' }
              : { file_path: 'src/widgets.ts' };
      uses.push(
        log.add(
          pick(threads),
          {
            type: 'agent.tool_use',
            name,
            input,
            model_tool_use_id: `toolu_${log.events.length}`,
            evaluated_permission: pick(['allow', 'allow', 'ask', 'deny'] as const),
          },
          at,
        ),
      );
    },
    () => {
      const use = uses.length > 0 && rnd() < 0.85 ? pick(uses) : undefined;
      log.add(
        use?.thread ?? pick(threads),
        {
          type: 'agent.tool_result',
          tool_use_id: use?.id ?? 'sevt_none',
          content: [{ type: 'text', text: pick(OUTPUTS) }],
          is_error: rnd() < 0.3,
        },
        at,
      );
    },
    () => {
      if (uses.length > 0)
        log.add(
          pick(threads),
          { type: 'user.tool_confirmation', tool_use_id: pick(uses).id, result: pick(['allow', 'deny'] as const) },
          at,
        );
    },
    () =>
      log.add(
        pick(threads),
        {
          type: 'agent.thread_message_sent',
          to_session_thread_id: pick(threads),
          ...(rnd() < 0.5 ? { to_agent_name: pick(AGENTS) } : {}),
          content: [{ type: 'text', text: 'over to you' }],
        },
        at,
      ),
    () =>
      log.add(
        pick(threads),
        { type: 'user.message', content: [{ type: 'text', text: `message ${log.events.length}` }] },
        at,
      ),
    () =>
      plans.push(
        log.add(
          pick(threads),
          { type: 'agent_os.plan_submitted', plan: rnd() < 0.8 ? PLAN : OLDER_PLAN, model_request_end_id: 'sevt_x' },
          at,
        ),
      ),
    () => {
      const evidence = uses.slice(-3).map((u) => u.id);
      const suite = runs.length > 0 && rnd() < 0.5 ? pick(runs) : undefined;
      const decision =
        rnd() < 0.6
          ? { decision: 'APPROVE' as const, summary: 'fine' }
          : { decision: 'REJECT' as const, summary: 'no', fixes: [{ problem: 'p', fix: 'f' }] };
      verdicts.push(
        log.add(
          pick(threads),
          {
            type: 'agent_os.verdict_submitted',
            verdict: decision,
            model_request_end_id: 'sevt_x',
            evidence: {
              base_commit: 'a',
              head_commit: 'b',
              diff_sha256: 'c',
              test_run_event_ids: evidence,
              ...(suite
                ? { suite_run: { event_id: suite.id, command: 'npm test', exit_code: 0, duration_ms: 5 } }
                : {}),
            },
          },
          at,
        ),
      );
    },
    () => {
      if (verdicts.length > 0)
        log.add(
          pick(threads),
          {
            type: 'agent_os.approval',
            verdict_event_id: pick(verdicts).id,
            decision: pick(['approve', 'reject'] as const),
          },
          at,
        );
    },
    () => {
      const plan = plans.length > 0 ? pick(plans) : undefined;
      runs.push(
        log.add(
          pick(threads),
          {
            type: 'agent_os.validation_run',
            purpose: rnd() < 0.7 ? 'step' : 'test_suite',
            command: pick(COMMANDS),
            exit_code: pick([0, 1, null]),
            duration_ms: 12,
            output_tail: pick(OUTPUTS),
            ...(plan ? { plan_event_id: plan.id, step_id: pick(['1', '2', '3']) } : {}),
          },
          at,
        ),
      );
    },
    () => {
      if (plans.length > 0)
        log.add(
          pick(threads),
          {
            type: 'agent_os.step_updated',
            plan_event_id: pick(plans).id,
            step_id: pick(['1', '2', '3']),
            state: pick(['pending', 'running', 'passed', 'failed'] as const),
            attempts: 1,
            max_attempts: 3,
          },
          at,
        );
    },
    () => {
      if (plans.length > 0)
        questions.push(
          log.add(
            pick(threads),
            {
              type: 'agent_os.questions_asked',
              plan_event_id: pick(plans).id,
              reason: 'questions',
              questions: ['which?'],
            },
            at,
          ),
        );
    },
    () => {
      if (questions.length > 0)
        log.add(
          pick(threads),
          { type: 'agent_os.questions_answered', questions_event_id: pick(questions).id, answers: ['that'] },
          at,
        );
    },
    () =>
      log.add(
        pick(threads),
        {
          type: 'agent_os.session_configured',
          agent_versions: { Coder: 1 },
          sandbox: { kind: pick(['bubblewrap', 'unconfined']), confined: rnd() < 0.5 },
          ...(rnd() < 0.5 ? { budget: { max_usd: 2 } } : {}),
        },
        at,
      ),
    () => {
      if (rnd() < 0.2)
        log.add(
          pick(threads),
          {
            type: 'agent_os.pull_request_opened',
            url: 'https://example.invalid/pr/1',
            number: 1,
            branch: 'b',
            head_commit: 'h',
          },
          at,
        );
    },
  ];
  const work = makers.slice(6, 10); // model requests and tool calls
  while (log.events.length < length) {
    at += Math.floor(rnd() * 400);
    pick(options.busy && rnd() < 0.9 ? work : makers)();
  }
  return log.events.slice(0, length);
}
