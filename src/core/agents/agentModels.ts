// Model names an agent file may use. The listed ids are offered by completion (the SDK's model enum,
// docs/reference/managedAgents.md); any id of a Claude model family is accepted without a warning, since
// new ids appear faster than a list is updated. Claude Code's aliases map to a model of each family whose
// list price Agent OS knows, so that budgets and the cost shown for every thread hold for the defaults
// (an unpriced model would count as free).

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

/** Ids of the Claude model families, current and older naming, with an optional date or `-latest`:
 * `claude-sonnet-4-20250514`, `claude-opus-4-1-20250805`, `claude-haiku-4-5`, `claude-3-5-sonnet-latest`. */
export const CLAUDE_MODEL_ID_PATTERN =
  /^claude-(?:(?:opus|sonnet|haiku)-\d{1,2}(?:-\d{1,2})?|\d{1,2}(?:-\d{1,2})?-(?:opus|sonnet|haiku))(?:-\d{8}|-latest)?$/;

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
  return { id: trimmed, known: KNOWN_MODEL_IDS.includes(trimmed) || CLAUDE_MODEL_ID_PATTERN.test(trimmed) };
}
