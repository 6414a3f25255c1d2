// The pull request's description: the plan, the Reviewer's verdict and the test runs it rests on,
// so a reader can check the work without opening Agent OS.
import type { EventOfType, SessionEvent } from '../../core/events/sessionEvent.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';

const OUTPUT_TAIL_LINES = 15;

export function pullRequestBody(meta: SessionMeta, events: readonly SessionEvent[]): string {
  const plan = last(events, 'agent_os.plan_submitted');
  const verdict = last(events, 'agent_os.verdict_submitted');
  const parts: string[] = [`Resolves ${meta.source ?? meta.title}.`, ''];
  if (plan) {
    const p = plan.plan;
    parts.push('## Plan', '', p.summary, '');
    for (const step of p.steps) parts.push(`- **${step.title}** — validated by \`${step.validation}\``);
    parts.push('');
  }
  if (verdict) {
    const v = verdict.verdict;
    parts.push('## Review', '', `**${v.decision}** — ${v.summary}`, '');
    parts.push(
      `Base \`${verdict.evidence.base_commit.slice(0, 12)}\`, diff sha256 \`${verdict.evidence.diff_sha256.slice(0, 16)}\`.`,
      '',
    );
    const runs = verdict.evidence.test_run_event_ids;
    if (runs.length) {
      parts.push('## Test runs the Reviewer saw', '');
      for (const id of runs) parts.push(...describeRun(events, id));
    }
  }
  parts.push(
    '',
    `_Made by Agent OS (session \`${meta.id}\`); approved by a person before this pull request was opened._`,
  );
  return parts.join('\n');
}

function describeRun(events: readonly SessionEvent[], toolUseId: string): string[] {
  const use = events.find((e) => e.id === toolUseId);
  const result = events.find(
    (e): e is EventOfType<'agent.tool_result'> => e.type === 'agent.tool_result' && e.tool_use_id === toolUseId,
  );
  const command =
    (use?.type === 'agent.tool_use' ? (use.input as { command?: string }).command : undefined) ?? '(unknown)';
  const output = result
    ? result.content
        .map((b) => b.text)
        .join('\n')
        .trimEnd()
        .split('\n')
        .slice(-OUTPUT_TAIL_LINES)
        .join('\n')
    : '(no result)';
  return [`\`$ ${command}\`${result?.is_error ? ' (failed)' : ''}`, '', '```', output, '```', ''];
}

function last<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T): EventOfType<T> | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.type === type) return e as EventOfType<T>;
  }
  return undefined;
}
