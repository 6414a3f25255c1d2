// A stand-in session's usage and budget: each model response's tokens added up with their list price (the
// platform's \`list_cost\`, in cents), and whether the session's budget is spent.
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { costOf } from '../../node/model/priceTable.ts';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export function usageOf(message: Message): Usage {
  return {
    input_tokens: message.usage.input_tokens,
    output_tokens: message.usage.output_tokens,
    cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
  };
}

export function addUsage(session: BetaManagedAgentsSession, model: string, usage: Usage): void {
  const u = session.usage;
  u.input_tokens = (u.input_tokens ?? 0) + usage.input_tokens;
  u.output_tokens = (u.output_tokens ?? 0) + usage.output_tokens;
  u.cache_read_input_tokens = (u.cache_read_input_tokens ?? 0) + usage.cache_read_input_tokens;
  const usd = costOf(model, usage).usd;
  const cents = Math.round((Number(u.list_cost?.amount ?? '0') || 0) + usd * 100);
  u.list_cost = { amount: String(cents), currency: 'USD' };
}

export function overBudget(session: BetaManagedAgentsSession): boolean {
  const cap = session.budget?.max_list_cost.amount;
  if (cap === undefined) return false;
  return Number(session.usage.list_cost?.amount ?? '0') >= Number(cap);
}

export function zeroUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

export function contentText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((b: { type?: string; text?: string }) => (b.type === 'text' ? (b.text ?? '') : JSON.stringify(b)))
    .join('\n');
}
