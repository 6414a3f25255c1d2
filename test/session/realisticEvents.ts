// The realistic record mix of an agent's log, for tests and benches: per cycle a model-request span
// (start and end, with usage and text), a tool use (~1 KB of input), its result (2–20 KB of output),
// a message and a thread status change, over two threads of one session: 2.4 KB per record on
// average (real sessions average about 2.5 KB, issue 15).
import type { EventInput } from '../../src/core/events/sessionEvent.ts';

const CODE = 'const parsed = parseList(tokens, { nested: true });\n  if (!parsed.ok) return fail(parsed.error);\n';
// ASCII, as most tool output is: zlib's crc32 of a string with wider characters is many times slower.
const OUTPUT = 'ok 12 - parses nested lists in 0.41 ms\n# subtest: tokenizer edge cases with unicode: ok\n';

/** Events of cycle `i`: 6 records (CYCLE_RECORDS). The tool result answers a tool use by the id the caller gives. */
export function agentCycle(i: number, toolUseId = `sevt_use${i}`): EventInput[] {
  const thread = i % 2 === 0 ? 'sthr_coder' : 'sthr_coordinator';
  const outputBytes = 2048 + ((i * 7919) % 18432); // 2–20 KB, spread evenly
  return [
    { type: 'span.model_request_start', thread, model: 'claude-sonnet-4-5' },
    {
      type: 'span.model_request_end',
      thread,
      model_request_start_id: `sevt_start${i}`,
      is_error: false,
      model_usage: {
        input_tokens: 1200,
        output_tokens: 300,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 9000,
      },
      cost_usd: 0.0081,
      content: [{ type: 'text', text: 'Let me look at the failing test and the parser it exercises.' }],
      stop_reason: 'tool_use',
    },
    {
      type: 'agent.tool_use',
      thread,
      name: 'write_file',
      input: { path: `src/parser/part${i % 50}.ts`, content: CODE.repeat(10).slice(0, 900) },
      model_tool_use_id: `toolu_${i}`,
      evaluated_permission: 'allow',
    },
    {
      type: 'agent.tool_result',
      thread,
      tool_use_id: toolUseId,
      content: [{ type: 'text', text: OUTPUT.repeat(Math.ceil(outputBytes / OUTPUT.length)).slice(0, outputBytes) }],
      is_error: false,
    },
    {
      type: 'agent.message',
      thread,
      content: [
        {
          type: 'text',
          text: `Step ${i}: the parser handles nested lists now; ${'the next failing case is the tokenizer. '.repeat(6)}`,
        },
      ],
    },
    {
      type: 'session.thread_status_running',
      thread,
      session_thread_id: thread,
      agent_name: i % 2 === 0 ? 'coder' : 'coordinator',
    },
  ];
}

export const CYCLE_RECORDS = 6;

/** What `linkedStream` needs of an event the log stamped. */
interface Stamped {
  type: string;
  id: string;
  thread: string;
}

/**
 * Gives the realistic stream the links a harness's has, by the ids the log stamped: each tool result
 * answers its thread's last tool use, each model request's end closes its thread's last start. Without
 * them a fold holds every use and request open for good, and its checkpoints grow a hundredfold.
 */
export function linkedStream(): { link(input: EventInput): EventInput; saw(event: Stamped): void } {
  const lastToolUse = new Map<string, string>();
  const lastStart = new Map<string, string>();
  return {
    link(input) {
      if (input.type === 'agent.tool_result')
        return { ...input, tool_use_id: lastToolUse.get(input.thread) ?? input.tool_use_id };
      if (input.type === 'span.model_request_end')
        return { ...input, model_request_start_id: lastStart.get(input.thread) ?? input.model_request_start_id };
      return input;
    },
    saw(event) {
      if (event.type === 'agent.tool_use') lastToolUse.set(event.thread, event.id);
      if (event.type === 'span.model_request_start') lastStart.set(event.thread, event.id);
    },
  };
}
