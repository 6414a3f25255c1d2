// The script the scripted model server answers from: a JSON file of assistant turns, either one
// sequence for every conversation (`turns`) or one per agent (`agents`, picked by the x-agent-os-agent
// request header). Faults ride on a turn and answer the requests for that turn, in order, before it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidScriptError } from '../../core/errors.ts';

const ToolName = z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, 'a tool name: 1-128 letters, digits, _ or -');

export const ScriptContent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: z.string().min(1, 'text must not be empty') }),
  z.strictObject({ type: z.literal('tool_use'), name: ToolName, input: z.record(z.string(), z.unknown()) }),
]);
export type ScriptContent = z.infer<typeof ScriptContent>;

const RetryAfter = z.number().nonnegative().optional();

export const ScriptFault = z.discriminatedUnion('kind', [
  /** 429 rate_limit_error with a retry-after header (seconds, fractions allowed; default 1). */
  z.strictObject({ kind: z.literal('rate_limit'), retry_after_seconds: RetryAfter }),
  /** 529 overloaded_error. */
  z.strictObject({ kind: z.literal('overloaded'), retry_after_seconds: RetryAfter }),
  /** 500 api_error. */
  z.strictObject({ kind: z.literal('server_error'), retry_after_seconds: RetryAfter }),
  /** 200 with the first `after_events` SSE events (or part of the JSON body), then the socket is destroyed. */
  z.strictObject({ kind: z.literal('stream_cut'), after_events: z.number().int().nonnegative() }),
  /** The first `after_events` SSE events, then an `event: error` (overloaded) inside the stream. */
  z.strictObject({ kind: z.literal('stream_error'), after_events: z.number().int().nonnegative() }),
  /** The first `after_events` SSE events, then nothing: the response hangs until the client gives up
   * (tests of interrupt and timeouts). */
  z.strictObject({ kind: z.literal('stall'), after_events: z.number().int().nonnegative() }),
  /** The socket is destroyed before any response. */
  z.strictObject({ kind: z.literal('reset') }),
  /** A 400 invalid_request_error with this message, as the API answers a request it refuses. */
  z.strictObject({ kind: z.literal('invalid_request'), message: z.string().min(1).optional() }),
]);
export type ScriptFault = z.infer<typeof ScriptFault>;

export const StopReasonName = z.enum(['end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'pause_turn', 'refusal']);

export const ScriptTurn = z.strictObject({
  content: z.array(ScriptContent).min(1, 'a turn needs at least one content block'),
  /** Default: `tool_use` when the turn has a tool_use block, else `end_turn`. */
  stop_reason: StopReasonName.optional(),
  faults: z.array(ScriptFault).optional(),
  /** Pause between streamed events, so a demo's text arrives live. */
  event_delay_ms: z.number().int().nonnegative().max(60_000).optional(),
  /** Checked against the request this turn answers; a mismatch is a 400 naming the expectation. */
  expect: z
    .strictObject({
      last_user_text_includes: z.string().optional(),
      /** The exact set of tool names offered (order does not matter). */
      tool_names: z.array(z.string()).optional(),
    })
    .optional(),
});
export type ScriptTurn = z.infer<typeof ScriptTurn>;

const TurnsScript = z.strictObject({ turns: z.array(ScriptTurn).min(1, 'a script needs at least one turn') });
const AgentsScript = z.strictObject({
  agents: z
    .record(z.string().min(1), z.array(ScriptTurn).min(1, 'an agent needs at least one turn'))
    .refine((agents) => Object.keys(agents).length > 0, 'at least one agent'),
});

export type ModelScript =
  | { kind: 'turns'; turns: ScriptTurn[] }
  | { kind: 'agents'; agents: Record<string, ScriptTurn[]> };

/** Validates a parsed script; the error names every bad field by its path (`agents.coder[1].faults[0].kind`). */
export function parseModelScript(value: unknown, source = 'script'): ModelScript {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidScriptError(source, ['the script must be a JSON object with "turns" or "agents"']);
  }
  const hasTurns = 'turns' in value;
  const hasAgents = 'agents' in value;
  if (hasTurns === hasAgents) {
    throw new InvalidScriptError(source, [
      hasTurns
        ? 'give either "turns" or "agents", not both'
        : 'the script needs "turns" (one sequence) or "agents" (one per agent)',
    ]);
  }
  if (hasTurns) {
    const parsed = TurnsScript.safeParse(value);
    if (!parsed.success) throw new InvalidScriptError(source, describeIssues(parsed.error));
    return { kind: 'turns', turns: parsed.data.turns };
  }
  const parsed = AgentsScript.safeParse(value);
  if (!parsed.success) throw new InvalidScriptError(source, describeIssues(parsed.error));
  return { kind: 'agents', agents: parsed.data.agents };
}

export function loadModelScript(file: string): ModelScript {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidScriptError(file, [`cannot read it: ${(error as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidScriptError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseModelScript(value, file);
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}
