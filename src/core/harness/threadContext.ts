// Rebuilds a thread's conversation for the Messages API from the log, so that the harness keeps no
// state of its own: a thread's context is whatever its events say. The same events always give the same
// bytes, which is what lets each request repeat the previous one's cached prefix.
import type { AssistantBlock, SessionEvent } from '../events/sessionEvent.ts';
import type { RequestBlock, RequestMessage } from '../model/modelClient.ts';

export interface ThreadTranscript {
  messages: RequestMessage[];
  /** The thread's latest assistant turn (its tool uses may be answered already). */
  lastAssistant?: { content: AssistantBlock[]; endEventId: string };
  /** True when the conversation ends with input the model has not answered yet. */
  awaitingModel: boolean;
}

export const COMPACTED_RESULT = '[cleared by context compaction; the summary below says what matters]';

/** Builds the request messages of one thread from its events (in log order). */
export function buildTranscript(threadEvents: readonly SessionEvent[]): ThreadTranscript {
  const messages: RequestMessage[] = [];
  // Model ids of tool uses by the id of their `agent.tool_use` event.
  const modelIdOfToolUse = new Map<string, string>();
  let lastAssistant: ThreadTranscript['lastAssistant'];

  const pushUser = (block: RequestBlock): void => {
    const last = messages[messages.length - 1];
    if (last && last.role === 'user') {
      // The API wants tool results before any text in a user turn.
      if (block.type === 'tool_result') {
        const firstText = last.content.findIndex((b) => b.type !== 'tool_result');
        if (firstText === -1) last.content.push(block);
        else last.content.splice(firstText, 0, block);
      } else {
        last.content.push(block);
      }
    } else {
      messages.push({ role: 'user', content: [block] });
    }
  };

  // The latest compaction clears what came before it: tool results become a stub, tool inputs empty (the
  // assistant turns stay, so every tool_use keeps its tool_result), and its summary stands in their place.
  let compaction: Extract<SessionEvent, { type: 'agent.thread_context_compacted' }> | undefined;
  for (const event of threadEvents) if (event.type === 'agent.thread_context_compacted') compaction = event;
  const cleared = (seq: number): boolean => compaction !== undefined && seq <= compaction.through_seq;

  for (const event of threadEvents) {
    switch (event.type) {
      case 'agent.thread_context_compacted':
        if (event === compaction) pushUser({ type: 'text', text: event.summary });
        break;
      case 'user.message':
        for (const b of event.content) pushUser({ type: 'text', text: b.text });
        break;
      case 'agent.thread_message_received':
        for (const b of event.content) pushUser({ type: 'text', text: b.text });
        break;
      case 'span.model_request_end':
        if (!event.is_error && event.content) {
          const blocks = event.content.map(toRequestBlock);
          messages.push({
            role: 'assistant',
            content: cleared(event.seq) ? blocks.map((b) => (b.type === 'tool_use' ? { ...b, input: {} } : b)) : blocks,
          });
          lastAssistant = { content: event.content, endEventId: event.id };
        }
        break;
      case 'agent.tool_use':
        modelIdOfToolUse.set(event.id, event.model_tool_use_id);
        break;
      case 'agent.tool_result': {
        const modelId = modelIdOfToolUse.get(event.tool_use_id);
        if (modelId === undefined) break;
        pushUser({
          type: 'tool_result',
          tool_use_id: modelId,
          content: cleared(event.seq) ? COMPACTED_RESULT : event.content.map((b) => b.text).join('\n'),
          ...(event.is_error ? { is_error: true } : {}),
        });
        break;
      }
      default:
        break;
    }
  }
  const last = messages[messages.length - 1];
  const awaitingModel = last !== undefined && last.role === 'user';
  return { messages, ...(lastAssistant ? { lastAssistant } : {}), awaitingModel };
}

function toRequestBlock(block: AssistantBlock): RequestBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
  }
}

/** The text of an assistant turn, as a person (or a calling agent) reads it. */
export function assistantText(content: readonly AssistantBlock[]): string {
  return content
    .filter((b): b is Extract<AssistantBlock, { type: 'text' }> => b.type === 'text')
    .map((b) => b.text)
    .join('\n')
    .trim();
}
