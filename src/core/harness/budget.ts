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

/** Roughly four bytes per token: enough to stop before the cap, never used for billing. */
export function estimateRequestCost(
  request: ModelRequest,
  thread: ThreadState | undefined,
  price: (usage: ModelResponse['usage']) => number,
): CostEstimate {
  const inputTokens = Math.ceil(JSON.stringify(request).length / 4);
  // The thread's own history says what a turn of it costs once caching is in play.
  if (thread && thread.usage.model_requests > 0) {
    const perRequestUsd = thread.usage.cost_usd / thread.usage.model_requests;
    const perRequestTokens = totalTokens(thread.usage) / thread.usage.model_requests;
    return { usd: perRequestUsd, tokens: Math.max(perRequestTokens, inputTokens) };
  }
  const usd = price({ input_tokens: inputTokens, output_tokens: Math.min(request.max_tokens, 1024), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  return { usd, tokens: inputTokens };
}

export function wouldExceedBudget(limits: BudgetLimits, spent: Usage, next: CostEstimate): boolean {
  if (limits.maxUsd !== undefined && spent.cost_usd + next.usd > limits.maxUsd) return true;
  if (limits.maxTokens !== undefined && totalTokens(spent) + next.tokens > limits.maxTokens) return true;
  return false;
}
