// Model names an agent file may use. Ids come from the SDK's model enum (managed-agents.md §2.3);
// Claude Code's aliases map to a model of each family whose list price Agent OS knows, so that budgets
// and the cost shown for every thread hold for the defaults (an unpriced model would count as free).

export const KNOWN_MODEL_IDS: readonly string[] = [
  'claude-opus-5-5',
  'claude-sonnet-5-5',
  'claude-haiku-5-5',
  'claude-opus-5',
  'claude-sonnet-5',
  'claude-opus-4-8',
  'claude-opus-4-7',
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-opus-4-5',
  'claude-opus-4-5-20251101',
  'claude-sonnet-4-5',
  'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5',
  'claude-haiku-4-5-20251001',
];

export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  sonnet: 'claude-sonnet-4-6',
  opus: 'claude-opus-4-6',
  haiku: 'claude-haiku-4-5',
};

/** Used by the built-in agents, and by files that say `inherit` or name no model. */
export const DEFAULT_AGENT_MODEL = 'claude-sonnet-4-6';

export interface ResolvedModel {
  id: string;
  known: boolean;
}

export function resolveModelName(value: string): ResolvedModel {
  const trimmed = value.trim();
  const lower = trimmed.toLowerCase();
  if (lower === 'inherit') return { id: DEFAULT_AGENT_MODEL, known: true };
  const alias = MODEL_ALIASES[lower];
  if (alias) return { id: alias, known: true };
  return { id: trimmed, known: KNOWN_MODEL_IDS.includes(trimmed) };
}
