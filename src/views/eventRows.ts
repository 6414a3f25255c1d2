// How one event reads in the Event Log: its kind (for the filter), a one-line title, and its details.
// Pure, so the host can page rows for a 100,000-event session without touching `vscode`.
import type { Plan } from '../core/agents/planSchema.ts';
import type { Verdict } from '../core/agents/verdictSchema.ts';
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import {
  ROW_BODY_LIMIT,
  type EventKind,
  type EventRow,
  type RowDiff,
  type RowTerminal,
} from '../shared/eventLogProtocol.ts';
import { UNCONFINED_NOTICE } from '../core/tools/unconfinedTools.ts';
import { formatTokens, formatUsd } from './sessionStatus.ts';
import { terminalOf, toolDiff } from './toolRendering.ts';
import { describeEnvironmentEvent } from './environmentEventText.ts';
import { showControlCharacters, showControlCharactersIn } from './controlCharacters.ts';
import { describeSupervisionEvent } from './supervisionEventText.ts';

const same = (text: string) => text;

export interface RowContext {
  agentOf(threadId: string): string;
  toolUse(toolUseEventId: string): EventOfType<'agent.tool_use'> | undefined;
  /** What the last `write` to `path` before event `seq` wrote, if the log has one. */
  previousWrite?(path: string, seq: number): string | undefined;
  /** Paths inside the session's sandboxes, from the sandbox root. */
  relative?(text: string): string;
}

export function eventKind(event: SessionEvent): EventKind {
  switch (event.type) {
    case 'user.message':
    case 'agent.message':
    case 'agent.thinking':
      return 'message';
    case 'agent.tool_use':
    case 'agent.tool_result':
    case 'user.tool_confirmation':
      return 'tool';
    case 'agent.thread_message_sent':
    case 'agent.thread_message_received':
    case 'session.thread_created':
      return 'thread';
    case 'session.error':
    case 'agent_os.environment_failed':
    case 'agent_os.loop_detected':
      return 'error';
    case 'span.model_request_start':
    case 'span.model_request_end':
      return 'usage';
    case 'agent_os.plan_submitted':
    case 'agent_os.verdict_submitted':
    case 'agent_os.approval':
    case 'agent_os.pull_request_opened':
    case 'agent_os.step_updated':
    case 'agent_os.validation_run':
    case 'agent_os.questions_asked':
    case 'agent_os.questions_answered':
      return 'review';
    default:
      return 'status';
  }
}

export function toEventRow(event: SessionEvent, index: number, ctx: RowContext): EventRow {
  const { title, body, isError, note, diff, terminal } = describe(event, ctx);
  const row: EventRow = {
    index,
    seq: event.seq,
    id: event.id,
    thread: event.thread,
    agent: ctx.agentOf(event.thread),
    type: event.type,
    kind: eventKind(event),
    time: event.processed_at,
    title: oneLine(title, 300),
  };
  if (body !== undefined && body !== '') {
    if (body.length > ROW_BODY_LIMIT) {
      row.body = body.slice(0, ROW_BODY_LIMIT);
      row.bodyLength = body.length;
    } else row.body = body;
  }
  if (isError) row.isError = true;
  if (note) row.note = note;
  if (diff) row.diff = diff;
  if (terminal) row.terminal = terminal;
  // Model and tool text reaches the Event Log as text with its control characters made visible.
  return showControlCharactersIn(row);
}

/** The whole body of an event, for `requestDetail` when the row's body was cut. */
export function eventBody(event: SessionEvent, ctx: RowContext): string {
  return showControlCharacters(describe(event, ctx).body ?? '');
}

interface Described {
  title: string;
  body?: string;
  isError?: boolean;
  note?: string;
  diff?: RowDiff;
  terminal?: RowTerminal;
}

function describe(e: SessionEvent, ctx: RowContext): Described {
  switch (e.type) {
    case 'user.message':
      return { title: `You: ${textOf(e.content)}`, body: textOf(e.content) };
    case 'user.interrupt':
      return {
        title: e.session_thread_id
          ? `You interrupted ${ctx.agentOf(e.session_thread_id)}`
          : 'You interrupted the session',
      };
    case 'user.tool_confirmation': {
      const use = ctx.toolUse(e.tool_use_id);
      const what = use ? `${use.name}` : 'tool call';
      return {
        title: `You ${e.result === 'allow' ? 'allowed' : 'denied'} ${what}${e.deny_message ? `: ${e.deny_message}` : ''}`,
        ...(e.deny_message ? { body: e.deny_message } : {}),
      };
    }
    case 'agent.message':
      return { title: textOf(e.content), body: textOf(e.content) };
    case 'agent.thinking':
      return { title: 'Thinking…' };
    case 'agent.tool_use': {
      const rel = ctx.relative ?? same;
      const diff = toolDiff(e.name, e.input, (path) => ctx.previousWrite?.(path, e.seq));
      return {
        title: `${e.name} ${rel(toolInputSummary(e.name, e.input))}${diff ? ` (+${diff.added} −${diff.removed})` : ''}`,
        body: json(e.input),
        ...(diff ? { diff } : {}),
        ...(e.evaluated_permission === 'deny' ? { isError: true, note: 'denied by policy' } : {}),
        ...(e.evaluated_permission === 'ask' ? { note: 'asks you' } : {}),
      };
    }
    case 'agent.tool_result': {
      const use = ctx.toolUse(e.tool_use_id);
      const text = (ctx.relative ?? same)(textOf(e.content));
      const command = use?.name === 'bash' ? (use.input as { command?: unknown } | null)?.command : undefined;
      if (typeof command === 'string') {
        const terminal = terminalOf(command, text, e.is_error);
        const status =
          terminal.exitCode === null
            ? 'was stopped'
            : terminal.exitCode === 0
              ? 'exited 0'
              : `failed, exit ${terminal.exitCode}`;
        return {
          title: `bash ${status}: ${terminal.output || '(no output)'}`,
          body: text,
          isError: e.is_error,
          terminal,
        };
      }
      return {
        title: `${use ? use.name : 'tool'} ${e.is_error ? 'failed' : 'returned'}: ${text || '(no output)'}`,
        body: text,
        isError: e.is_error,
      };
    }
    case 'agent.thread_message_sent':
      return {
        title: `→ ${e.to_agent_name ?? ctx.agentOf(e.to_session_thread_id)}: ${textOf(e.content)}`,
        body: textOf(e.content),
      };
    case 'agent.thread_message_received':
      return {
        title: `← ${e.from_agent_name ?? ctx.agentOf(e.from_session_thread_id)}: ${textOf(e.content)}`,
        body: textOf(e.content),
      };
    case 'session.status_running':
      return { title: 'Session running' };
    case 'session.status_idle':
      return { title: `Session idle (${e.stop_reason.type.replace(/_/g, ' ')})` };
    case 'session.status_rescheduled':
      return { title: 'Session rescheduled' };
    case 'session.status_terminated':
      return { title: 'Session terminated' };
    case 'session.error':
      return {
        title: `${e.error.type}: ${e.error.message}`,
        body: e.error.message,
        isError: true,
        note: e.error.retry_status.type,
      };
    case 'session.thread_created':
      return {
        title: `Thread created: ${e.agent_name}${e.agent_version ? ` v${e.agent_version}` : ''}${
          e.parent_thread_id ? ` (from ${ctx.agentOf(e.parent_thread_id)})` : ''
        }`,
      };
    case 'session.thread_status_running':
      return { title: `${e.agent_name} running` };
    case 'session.thread_status_idle':
      return { title: `${e.agent_name} idle (${e.stop_reason.type.replace(/_/g, ' ')})` };
    case 'session.thread_status_rescheduled':
      return { title: `${e.agent_name} rescheduled` };
    case 'session.thread_status_terminated':
      return { title: `${e.agent_name} terminated` };
    case 'span.model_request_start':
      return { title: `Model request to ${e.model}` };
    case 'span.model_request_end': {
      const u = e.model_usage;
      const tokens = u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
      return {
        title:
          `Model response${e.stop_reason ? ` (${e.stop_reason})` : ''}: ${u.input_tokens} in, ${u.output_tokens} out` +
          (u.cache_read_input_tokens ? `, ${u.cache_read_input_tokens} cached` : ''),
        body: json(u),
        isError: e.is_error,
        note: `${formatTokens(tokens)} tok · ${formatUsd(e.cost_usd)}`,
      };
    }
    case 'agent_os.session_configured':
      return {
        title: `Session configured: ${e.sandbox.kind} sandbox${e.sandbox.confined ? '' : ` (${UNCONFINED_NOTICE})`}, agents ${Object.entries(
          e.agent_versions,
        )
          .map(([n, v]) => `${n} v${v}`)
          .join(', ')}`,
        body: json({ agent_versions: e.agent_versions, sandbox: e.sandbox, budget: e.budget }),
      };
    case 'agent_os.plan_submitted':
      return { title: `Plan submitted${planSteps(e.plan)}`, body: json(e.plan) };
    case 'agent_os.verdict_submitted': {
      const v = readVerdict(e.verdict);
      return {
        title: `Verdict: ${v.decision}${v.summary ? ` — ${v.summary}` : ''}`,
        body: json({ verdict: e.verdict, evidence: e.evidence }),
        isError: v.decision === 'REJECT',
      };
    }
    case 'agent_os.approval':
      return {
        title: e.decision === 'approve' ? 'You approved the verdict' : `You asked for changes: ${e.feedback ?? ''}`,
        ...(e.feedback ? { body: e.feedback } : {}),
      };
    case 'agent_os.pull_request_opened':
      return {
        title: `Pull request #${e.number} opened: ${e.url}`,
        body: `${e.url}\nbranch ${e.branch} at ${e.head_commit}`,
      };
    case 'agent_os.sandbox_unconfined':
      return {
        title: `Sandbox ${e.kind} is ${UNCONFINED_NOTICE}`,
        body:
          `${e.detail ? `${e.detail}\n` : ''}Nothing confines commands on this machine: they would run as you. ` +
          'Every bash call of a writing agent waits for your Allow or Deny; read-only agents get no bash.',
      };
    case 'agent_os.thread_workspace':
      return {
        title: `${ctx.agentOf(e.session_thread_id)} works in ${workspaceText(e.workspace)}${e.read_only ? ', read-only' : ''}`,
        body: [
          e.workdir,
          `sandbox ${e.sandbox_kind}`,
          ...(e.replaces_refused ? [`the earlier record was not used: ${e.replaces_refused}`] : []),
        ].join('\n'),
      };
    case 'agent_os.wake':
      return {
        title: `Woke from the log${e.recovered.length ? `: ${e.recovered.length} interrupted tool call(s) resolved` : ''}`,
        ...(e.recovered.length ? { body: e.recovered.join('\n') } : {}),
      };
    case 'agent_os.environment_setup_started':
    case 'agent_os.environment_output':
    case 'agent_os.environment_ready':
    case 'agent_os.environment_failed':
      return describeEnvironmentEvent(e);
    case 'agent_os.step_updated':
    case 'agent_os.validation_run':
    case 'agent_os.loop_detected':
    case 'agent_os.project_memory':
    case 'agent_os.questions_asked':
    case 'agent_os.questions_answered':
    case 'agent.thread_context_compacted':
    case 'agent_os.preferences_pinned':
    case 'agent_os.preferences_learned':
    case 'agent_os.checkpoint':
    case 'agent_os.session_forked':
      return describeSupervisionEvent(e);
  }
}

function workspaceText(workspace: EventOfType<'agent_os.thread_workspace'>['workspace']): string {
  switch (workspace.kind) {
    case 'session':
      return "the session's repository";
    case 'clean_room':
      return `a clean room at ${workspace.commit.slice(0, 12)}`;
    case 'child':
      return `its own repository (${workspace.key})`;
  }
}

/** A verdict's decision and summary (the event's verdict is validated against the Reviewer's schema). */
export function readVerdict(verdict: Verdict): { decision: string; summary: string } {
  return { decision: verdict.decision, summary: verdict.summary };
}

export function toolInputSummary(name: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof i[k] === 'string' ? (i[k] as string) : undefined);
  let pick: string | undefined;
  if (name === 'grep' || name === 'glob') {
    const pattern = str('pattern');
    const where = str('path');
    pick = pattern !== undefined ? `${pattern}${where ? ` in ${where}` : ''}` : undefined;
  }
  pick ??=
    str('command') ?? str('path') ?? str('file_path') ?? str('pattern') ?? str('query') ?? str('url') ?? str('message');
  if (pick !== undefined) return oneLine(pick, 200);
  const s = json(input);
  return s === '{}' ? '' : oneLine(s, 200);
}

function planSteps(plan: Plan): string {
  const n = plan.steps.length;
  return `: ${n} step${n === 1 ? '' : 's'}`;
}

function textOf(blocks: readonly { text: string }[]): string {
  return blocks.map((b) => b.text).join('\n');
}

function json(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}

export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
