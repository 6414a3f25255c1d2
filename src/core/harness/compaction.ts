// Context compaction: when a thread's context nears the model's window, its earlier tool results and inputs
// are cleared from what the model is sent (threadContext.ts), and this summary stands in their place. It is
// built by the runtime from the log — no model call — and keeps what the work depends on: the task, the
// plan's steps and their states, the latest validation output, the files the thread changed, its latest
// words. The events themselves stay in the log, whole.
import type { SessionEvent } from '../events/sessionEvent.ts';
import { runWords, type PlanProgress } from '../pipeline/planSteps.ts';
import { assistantText } from './threadContext.ts';

const TASK_CHARS = 6_000;
const NOTE_CHARS = 1_500;

export function compactionSummary(threadEvents: readonly SessionEvent[], progress: PlanProgress | undefined): string {
  const tasks: string[] = [];
  const files = new Set<string>();
  let lastWords = '';
  let cleared = 0;
  for (const e of threadEvents) {
    if (e.type === 'user.message' || e.type === 'agent.thread_message_received')
      tasks.push(e.content.map((b) => b.text).join('\n'));
    if (e.type === 'agent.tool_use' && (e.name === 'write' || e.name === 'edit')) {
      const path = (e.input as { file_path?: unknown } | null)?.file_path;
      if (typeof path === 'string') files.add(path);
    }
    if (e.type === 'agent.tool_result') cleared++;
    if (e.type === 'span.model_request_end' && e.content) lastWords = assistantText(e.content) || lastWords;
  }
  const lines = [
    `[Agent OS compacted this thread's context to fit the model's window: the results and inputs of ${cleared} earlier tool call(s) were cleared. What matters so far:]`,
    `Your task:\n${cut(tasks[0] ?? '(none)', TASK_CHARS)}`,
  ];
  if (tasks.length > 1)
    lines.push(`The latest message you received:\n${cut(tasks[tasks.length - 1] ?? '', NOTE_CHARS)}`);
  const steps = progress?.steps ?? [];
  if (steps.length > 0) {
    lines.push(
      `Plan steps (as Agent OS ran them): ${steps.map((s) => `${s.id} "${s.title}" ${s.state}${s.attempts ? ` (${s.attempts} attempt(s))` : ''}`).join('; ')}.`,
    );
    const latest = steps
      .map((s) => s.lastRun)
      .filter((r) => r !== undefined)
      .sort((a, b) => b.seq - a.seq)[0];
    if (latest)
      lines.push(
        `Latest validation run: step ${latest.step_id}, \`${latest.command}\`: ${runWords(latest)}${latest.output_tail ? `\n${latest.output_tail}` : ''}`,
      );
  }
  if (files.size > 0)
    lines.push(`Files you wrote or edited: ${[...files].join(', ')} (read them again for their current content).`);
  if (lastWords) lines.push(`Your latest words:\n${cut(lastWords, NOTE_CHARS)}`);
  lines.push('Go on from here.');
  return lines.join('\n\n');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
