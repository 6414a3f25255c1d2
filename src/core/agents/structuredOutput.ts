// Pulls the JSON payload out of an agent's final message and checks it against a schema. A failure
// yields text meant for the agent itself: what was wrong and the expected shape, so it can try again.
import type { z } from 'zod';
import { PLAN_FORMAT, PlanSchema } from './planSchema.ts';
import type { Plan } from './planSchema.ts';
import { VERDICT_FORMAT, VerdictSchema } from './verdictSchema.ts';
import type { Verdict } from './verdictSchema.ts';

export type StructuredResult<T> = { ok: true; value: T } | { ok: false; error: string };

interface Candidate {
  text: string;
  where: string;
}

/** Where JSON may sit in a message, most explicit first: ```json blocks (last first), any fenced block,
 * the whole message, then the outermost {...} span. */
function candidates(message: string): Candidate[] {
  const out: Candidate[] = [];
  const fences = [...message.matchAll(/```([a-zA-Z0-9_-]*)[^\n]*\n([\s\S]*?)```/g)];
  const json = fences.filter((m) => (m[1] ?? '').toLowerCase() === 'json').reverse();
  const other = fences.filter((m) => (m[1] ?? '').toLowerCase() !== 'json').reverse();
  for (const m of json) out.push({ text: m[2] ?? '', where: 'the ```json block' });
  for (const m of other) out.push({ text: m[2] ?? '', where: 'a fenced block' });
  out.push({ text: message, where: 'the message' });
  const first = message.indexOf('{');
  const last = message.lastIndexOf('}');
  if (first >= 0 && last > first) out.push({ text: message.slice(first, last + 1), where: 'the message' });
  return out;
}

/**
 * Finds the JSON payload in `message` and validates it with `schema`. `what` names the payload in the
 * error ("plan", "verdict"); `format` is the expected shape, repeated in the error for the agent.
 */
export function extractJsonPayload<S extends z.ZodType>(
  message: string,
  schema: S,
  what: string,
  format?: string,
): StructuredResult<z.infer<S>> {
  const tail = format
    ? `\n\nReply with the corrected ${what} as a single \`\`\`json block in exactly this shape:\n${format}`
    : '';
  let firstSchemaError: string | undefined;
  let firstSyntaxError: string | undefined;
  let sawJson = false;
  for (const candidate of candidates(message)) {
    const trimmed = candidate.text.trim();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      firstSyntaxError ??= `${candidate.where} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
      continue;
    }
    sawJson = true;
    const parsed = schema.safeParse(value);
    if (parsed.success) return { ok: true, value: parsed.data };
    firstSchemaError ??= `The ${what} in ${candidate.where} does not match the required schema:\n${formatIssues(parsed.error.issues)}`;
  }
  if (firstSchemaError) return { ok: false, error: firstSchemaError + tail };
  if (!sawJson && firstSyntaxError)
    return { ok: false, error: `Could not read your ${what}: ${firstSyntaxError}.${tail}` };
  return { ok: false, error: `Your final message contains no JSON ${what}.${tail}` };
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.length
        ? issue.path
            .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
            .join('')
            .replace(/^\./, '')
        : '(top level)';
      return `- ${path}: ${issue.message}`;
    })
    .join('\n');
}

export function parsePlan(message: string): StructuredResult<Plan> {
  return extractJsonPayload(message, PlanSchema, 'plan', PLAN_FORMAT);
}

export function parseVerdict(message: string): StructuredResult<Verdict> {
  return extractJsonPayload(message, VerdictSchema, 'verdict', VERDICT_FORMAT);
}
