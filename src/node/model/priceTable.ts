// List prices of Claude models, per million tokens in US dollars. A model missing here is "unpriced":
// its cost is reported as 0 with `priced: false`, so a budget can refuse it instead of counting it free.
import type { ModelCost, ModelPrice } from '../../core/model/modelClient.ts';
import type { ModelUsage } from '../../core/events/sessionEvent.ts';

/** Prompt-cache writes (5-minute ephemeral) cost 1.25× input; cache reads 0.1× input. */
export const CACHE_WRITE_MULTIPLIER = 1.25;
export const CACHE_READ_MULTIPLIER = 0.1;

function price(input: number, output: number): ModelPrice {
  return {
    input,
    output,
    cache_write: round(input * CACHE_WRITE_MULTIPLIER),
    cache_read: round(input * CACHE_READ_MULTIPLIER),
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Keyed by model id without a date suffix (`claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`). Only
 * models whose list price we know; newer ones stay unpriced until added (or passed in by the caller). */
export const defaultPriceTable: Readonly<Record<string, ModelPrice>> = {
  'claude-opus-4-6': price(5, 25),
  'claude-opus-4-5': price(5, 25),
  'claude-opus-4-1': price(15, 75),
  'claude-opus-4-0': price(15, 75),
  'claude-opus-4': price(15, 75),
  'claude-sonnet-4-6': price(3, 15),
  'claude-sonnet-4-5': price(3, 15),
  'claude-sonnet-4-0': price(3, 15),
  'claude-sonnet-4': price(3, 15),
  'claude-3-7-sonnet': price(3, 15),
  'claude-3-5-sonnet': price(3, 15),
  'claude-haiku-4-5': price(1, 5),
  'claude-3-5-haiku': price(0.8, 4),
  'claude-3-haiku': price(0.25, 1.25),
  'claude-3-opus': price(15, 75),
};

/** The model id a price is filed under: the date suffix and a `-latest` alias tag dropped. */
export function priceKey(model: string): string {
  return model.replace(/-(\d{8}|latest)$/, '');
}

export function priceOf(
  model: string,
  table: Readonly<Record<string, ModelPrice>> = defaultPriceTable,
): ModelPrice | undefined {
  return table[model] ?? table[priceKey(model)];
}

export function isPriced(model: string, table: Readonly<Record<string, ModelPrice>> = defaultPriceTable): boolean {
  return priceOf(model, table) !== undefined;
}

/** The list price of one request. */
export function costOf(
  model: string,
  usage: ModelUsage,
  table: Readonly<Record<string, ModelPrice>> = defaultPriceTable,
): ModelCost {
  const p = priceOf(model, table);
  if (!p) return { usd: 0, priced: false };
  const usd =
    (usage.input_tokens * p.input +
      usage.output_tokens * p.output +
      usage.cache_creation_input_tokens * p.cache_write +
      usage.cache_read_input_tokens * p.cache_read) /
    1_000_000;
  return { usd: Math.round(usd * 1e9) / 1e9, priced: true };
}
