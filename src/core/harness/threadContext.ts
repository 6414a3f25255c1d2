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
  return new TranscriptBuilder().update(threadEvents);
}

/**
 * One thread's transcript kept current as its events grow, so that a request costs the events since the
 * previous one instead of the whole thread (rebuilding it per request made a thread's turns quadratic).
 * `update` takes the thread's events so far (the same growing list each time); a compaction clears what
 * came before it, so one arriving rebuilds the transcript from the thread's first event, once. Every
 * transcript handed out is a snapshot: later events never change it.
 */
export class TranscriptBuilder {
  private messages: RequestMessage[] = [];
  /** Model ids of tool uses by the id of their `agent.tool_use` event. */
  private modelIdOfToolUse = new Map<string, string>();
  private lastAssistant: ThreadTranscript['lastAssistant'];
  /** The latest compaction: tool results and inputs up to its `through_seq` are cleared. */
  private compaction: Extract<SessionEvent, { type: 'agent.thread_context_compacted' }> | undefined;
  /** How many of the thread's events are in the transcript. */
  private taken = 0;

  update(threadEvents: readonly SessionEvent[]): ThreadTranscript {
    let from = this.taken;
    let latest = this.compaction;
    for (let i = from; i < threadEvents.length; i++) {
      const event = threadEvents[i] as SessionEvent;
      if (event.type === 'agent.thread_context_compacted') latest = event;
    }
    // A new compaction changes earlier messages; a shorter list is not the thread this was built from.
    if (latest !== this.compaction || threadEvents.length < this.taken) {
      this.messages = [];
      this.modelIdOfToolUse = new Map();
      this.lastAssistant = undefined;
      this.compaction = latest;
      from = 0;
    }
    for (let i = from; i < threadEvents.length; i++) this.take(threadEvents[i] as SessionEvent);
    this.taken = threadEvents.length;
    return this.snapshot();
  }

  private snapshot(): ThreadTranscript {
    // Only the last message is ever changed in place (a user turn taking more blocks): copying it, and
    // the list, is enough to keep the snapshot still.
    const messages = this.messages.slice();
    const last = messages[messages.length - 1];
    if (last) messages[messages.length - 1] = { ...last, content: last.content.slice() };
    const awaitingModel = last !== undefined && last.role === 'user';
    return { messages, ...(this.lastAssistant ? { lastAssistant: this.lastAssistant } : {}), awaitingModel };
  }

  private cleared(seq: number): boolean {
    return this.compaction !== undefined && seq <= this.compaction.through_seq;
  }

  private pushUser(block: RequestBlock): void {
    const last = this.messages[this.messages.length - 1];
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
      this.messages.push({ role: 'user', content: [block] });
    }
  }

  private take(event: SessionEvent): void {
    switch (event.type) {
      case 'agent.thread_context_compacted':
        // Only the latest compaction's summary stands in for what it cleared.
        if (event === this.compaction) this.pushUser({ type: 'text', text: event.summary });
        break;
      case 'user.message':
        for (const b of event.content) this.pushUser({ type: 'text', text: b.text });
        break;
      case 'agent.thread_message_received':
        for (const b of event.content) this.pushUser({ type: 'text', text: b.text });
        break;
      case 'span.model_request_end':
        if (!event.is_error && event.content) {
          const blocks = event.content.map(toRequestBlock);
          // The assistant turns stay after a compaction, so every tool_use keeps its tool_result.
          this.messages.push({
            role: 'assistant',
            content: this.cleared(event.seq)
              ? blocks.map((b) => (b.type === 'tool_use' ? { ...b, input: {} } : b))
              : blocks,
          });
          this.lastAssistant = { content: event.content, endEventId: event.id };
        }
        break;
      case 'agent.tool_use':
        this.modelIdOfToolUse.set(event.id, event.model_tool_use_id);
        break;
      case 'agent.tool_result': {
        const modelId = this.modelIdOfToolUse.get(event.tool_use_id);
        if (modelId === undefined) break;
        this.pushUser({
          type: 'tool_result',
          tool_use_id: modelId,
          content: this.cleared(event.seq) ? COMPACTED_RESULT : event.content.map((b) => b.text).join('\n'),
          ...(event.is_error ? { is_error: true } : {}),
        });
        break;
      }
      default:
        break;
    }
  }
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
