// The session budget: checked before every model request, across every thread, so a run pauses with
// `budget_reached` before the request that would pass the cap rather than after it.
import type { ModelRequest, ModelResponse } from '../model/modelClient.ts';
import { totalTokens, type ThreadState, type Usage } from '../session/sessionState.ts';

export interface BudgetLimits {
  maxUsd?: number;
  maxTokens?: number;
}

export interface CostEstimate {
  usd: number;
  tokens: number;
}

/**
 * What the next request will cost, from its own size at roughly four bytes per token (enough to stop
 * before the cap, never used for billing). A thread's earlier requests are in the prompt cache: its new
 * messages (the last assistant turn and the user turn after it) are written, the rest is read. A first
 * request is all written. Output is the thread's average so far, or up to 1024 tokens at first.
 * (An average of earlier costs is not enough: a thread's requests grow, and its first may have been a
 * cheap hit on another thread's cache.)
 */
export function estimateRequestCost(
  request: ModelRequest,
  thread: ThreadState | undefined,
  price: (usage: ModelResponse['usage']) => number,
): CostEstimate {
  const inputTokens = Math.ceil(JSON.stringify(request).length / 4);
  const requests = thread?.usage.model_requests ?? 0;
  const fresh =
    requests > 0
      ? Math.min(inputTokens, Math.ceil(JSON.stringify(request.messages.slice(-2)).length / 4))
      : inputTokens;
  const outputTokens =
    requests > 0 ? Math.ceil((thread?.usage.output_tokens ?? 0) / requests) : Math.min(request.max_tokens, 1024);
  const usd = price({
    input_tokens: 0,
    output_tokens: outputTokens,
    cache_creation_input_tokens: fresh,
    cache_read_input_tokens: inputTokens - fresh,
  });
  return { usd, tokens: inputTokens + outputTokens };
}

export function wouldExceedBudget(limits: BudgetLimits, spent: Usage, next: CostEstimate): boolean {
  if (limits.maxUsd !== undefined && spent.cost_usd + next.usd > limits.maxUsd) return true;
  if (limits.maxTokens !== undefined && totalTokens(spent) + next.tokens > limits.maxTokens) return true;
  return false;
}
