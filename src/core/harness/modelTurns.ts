// The `request_model` step: one model request of a thread, within the budget, recorded as a span
// whose end carries the assistant turn (the commit point of a turn on wake).
import { describeError } from '../errors.ts';
import type { EventInput, StopReason } from '../events/sessionEvent.ts';
import type { ModelClient, ModelRequest, ModelResponse, ToolSpec } from '../model/modelClient.ts';
import { enabledToolNames } from '../tools/toolConfig.ts';
import { estimateRequestCost, type BudgetLimits, type CostEstimate, wouldExceedBudget } from './budget.ts';
import { delegationToolSpec } from './delegationTool.ts';
import type { HarnessAgent } from './harnessAgent.ts';
import type { SessionLog } from './sessionLog.ts';
import { assistantText, TranscriptBuilder } from './threadContext.ts';

export interface ModelTurnOptions {
  log: SessionLog;
  model: ModelClient;
  toolSpecs(names: readonly string[]): ToolSpec[];
  priceOf(model: string, usage: ModelResponse['usage']): number;
  budget?: BudgetLimits;
  onTextDelta?(threadId: string, text: string): void;
}

/** What the runtime adds to an agent's request: its own tools (`complete_step`) and context read from the
 * session's log (project memory, the test command) — the same bytes on every request of the session. */
export interface RequestExtras {
  tools?: ToolSpec[];
  systemContext?: string;
}

const NO_USAGE = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

export class ModelTurns {
  /** Estimates of the model requests in flight: until their cost is in the log, they count as spent, so
   * threads running in parallel cannot pass the budget together. */
  private readonly inFlight = { usd: 0, tokens: 0 };
  /** Each thread's transcript, extended by the events since its previous request. */
  private readonly transcripts = new Map<string, TranscriptBuilder>();

  constructor(private readonly options: ModelTurnOptions) {}

  /** Asks for the thread's next turn and records it. Returns a stop reason when the thread must stop
   * (budget reached, the request failed). */
  async request(
    threadId: string,
    agent: HarnessAgent,
    mayDelegate: boolean,
    signal: AbortSignal,
    extra: RequestExtras = {},
  ): Promise<StopReason | undefined> {
    const { log, budget } = this.options;
    const tools = this.options.toolSpecs(enabledToolNames(agent.tools));
    if (mayDelegate) tools.push(delegationToolSpec(agent.callableAgents));
    tools.push(...(extra.tools ?? []));
    let transcript = this.transcripts.get(threadId);
    if (!transcript) this.transcripts.set(threadId, (transcript = new TranscriptBuilder()));
    const messages = transcript.update(log.threadEvents(threadId)).messages;
    const system = extra.systemContext ? `${agent.system}\n\n${extra.systemContext}` : agent.system;
    const request: ModelRequest = { model: agent.model, max_tokens: agent.maxTokens, system, tools, messages };
    let reserved: CostEstimate | undefined;
    if (budget) {
      const estimate = estimateRequestCost(request, log.state.threads[threadId], (u) =>
        this.options.priceOf(agent.model, u),
      );
      const usage = log.state.usage;
      const spent = {
        ...usage,
        cost_usd: usage.cost_usd + this.inFlight.usd,
        input_tokens: usage.input_tokens + this.inFlight.tokens,
      };
      if (wouldExceedBudget(budget, spent, estimate)) return { type: 'budget_reached' };
      reserved = estimate;
      this.inFlight.usd += estimate.usd;
      this.inFlight.tokens += estimate.tokens;
    }
    try {
      return await this.requestAndRecord(threadId, agent, request, signal);
    } finally {
      if (reserved) {
        this.inFlight.usd -= reserved.usd;
        this.inFlight.tokens -= reserved.tokens;
      }
    }
  }

  /** Sends one model request and records it: the span, then the turn (or the error). */
  private async requestAndRecord(
    threadId: string,
    agent: HarnessAgent,
    request: ModelRequest,
    signal: AbortSignal,
  ): Promise<StopReason | undefined> {
    const { log } = this.options;
    const start = await log.append({ type: 'span.model_request_start', thread: threadId, model: agent.model }, 'batch');
    let response: ModelResponse;
    try {
      response = await this.options.model.createMessage(request, {
        signal,
        agentName: agent.name,
        onTextDelta: (text) => this.options.onTextDelta?.(threadId, text),
      });
    } catch (error) {
      const end = {
        type: 'span.model_request_end',
        thread: threadId,
        model_request_start_id: start.id,
        is_error: true,
        model_usage: NO_USAGE,
        cost_usd: 0,
      } as const;
      await log.appendMany([end]);
      if (signal.aborted) return undefined;
      await log.append({
        type: 'session.error',
        thread: threadId,
        error: { type: modelErrorType(error), message: describeError(error), retry_status: { type: 'exhausted' } },
      });
      return { type: 'retries_exhausted' };
    }
    const text = assistantText(response.content);
    const events: EventInput[] = [
      {
        type: 'span.model_request_end',
        thread: threadId,
        model_request_start_id: start.id,
        is_error: false,
        model_usage: response.usage,
        cost_usd: this.options.priceOf(response.model || agent.model, response.usage),
        content: response.content,
        stop_reason: response.stop_reason,
      },
    ];
    if (text) events.push({ type: 'agent.message', thread: threadId, content: [{ type: 'text', text }] });
    // Not synced on its own: nothing acts on a turn before a 'sync' append that covers it (its calls'
    // tool_use records, the thread's status), and a turn lost in a crash is simply requested again.
    await log.appendMany(events, 'batch');
    return undefined;
  }
}

function modelErrorType(error: unknown): string {
  const status = (error as { status?: number } | undefined)?.status;
  if (status === 429) return 'model_rate_limited_error';
  if (status === 529) return 'model_overloaded_error';
  return 'model_request_failed_error';
}
