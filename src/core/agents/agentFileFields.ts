// The vocabulary of agent files: which front-matter fields exist, what they mean (hover and completion
// read the same text), and how Claude Code's tool names map to ours.
import { BUILTIN_TOOL_NAMES } from '../tools/toolConfig.ts';
import type { BuiltinToolName } from '../tools/toolConfig.ts';
import { DEFAULT_AGENT_MODEL, MODEL_ALIASES } from './agentModels.ts';
import { DEFAULT_DELEGATION_DEPTH } from './agentDefinition.ts';

export interface FieldDoc {
  /** One line, shown in completion lists. */
  summary: string;
  /** Markdown, shown on hover. */
  detail: string;
}

export const AGENT_FIELDS: Readonly<Record<string, FieldDoc>> = {
  name: {
    summary: 'Unique name of the agent (required).',
    detail:
      'Unique name of the agent (required). Letters, digits, `-`, `_`, `.`.\n\n' +
      'A file that uses the name of a built-in agent (`Planner`, `Coder`, `Reviewer`, `Coordinator`, any case) replaces it.',
  },
  description: {
    summary: 'When to use this agent (required).',
    detail: 'What the agent does and when to delegate to it (required). A coordinator reads it to choose an agent.',
  },
  model: {
    summary: 'Model id, or sonnet / opus / haiku / inherit.',
    detail:
      'The model the agent runs on: a model id such as `claude-sonnet-4-6`, or an alias: ' +
      Object.entries(MODEL_ALIASES).map(([alias, id]) => `\`${alias}\` → \`${id}\``).join(', ') +
      `, \`inherit\` → the default (\`${DEFAULT_AGENT_MODEL}\`). An unknown id is a warning, not an error.`,
  },
  tools: {
    summary: 'Tools the agent may use (all when omitted).',
    detail:
      `Allow-list of tools: a comma-separated string (\`Read, Grep, Glob, Bash\`) or a YAML list. Tools: ${BUILTIN_TOOL_NAMES.map((t) => `\`${t}\``).join(', ')}. ` +
      'Claude Code names (`Read`, `Write`, `Edit`, `MultiEdit`, `Glob`, `Grep`, `Bash`) are accepted in any case. ' +
      'Omitted: every tool. `[]`: no tools. An agent without `write` and `edit` gets a read-only sandbox.',
  },
  disallowedTools: {
    summary: 'Tools taken away from the allow-list.',
    detail: 'Tools removed from `tools` (or from all tools when `tools` is omitted). Same names as `tools`.',
  },
  ask: {
    summary: 'Tools that need a person’s approval for each call.',
    detail: 'Tools whose calls wait for your approval (`always_ask`). The others run without asking (`always_allow`).',
  },
  callable_agents: {
    summary: 'Agents this agent may delegate to.',
    detail:
      'Names of agents (workspace or built-in) this agent may delegate to, each in its own thread. ' +
      `Cycles are refused; delegation may be at most \`agentOs.delegationDepth\` levels deep (default ${DEFAULT_DELEGATION_DEPTH}, as on the hosted platform).`,
  },
  network: {
    summary: 'Whether its bash may use the network (default false).',
    detail: '`true` lets the agent’s `bash` reach the network. Default `false`: commands run without network access.',
  },
  toolset: {
    summary: 'Full tool configuration in the platform’s shape.',
    detail:
      'The platform’s toolset object, instead of `tools` / `ask` / `disallowedTools`:\n\n' +
      '```yaml\ntoolset:\n  type: agent_toolset_20260401\n  default_config: { enabled: false }\n  configs:\n    - name: read\n      enabled: true\n      permission_policy: { type: always_allow }\n```',
  },
};

/** Fields of Claude Code subagent files that Agent OS reads but does not use: a warning, not an error. */
export const IGNORED_CLAUDE_FIELDS: Readonly<Record<string, string>> = {
  color: 'display colour in Claude Code',
  permissionMode: 'Claude Code permission mode; use `ask` or `toolset` for permissions',
  maxTurns: 'Claude Code turn limit',
  skills: 'Claude Code skills',
  mcpServers: 'MCP servers',
  hooks: 'Claude Code hooks',
  memory: 'Claude Code memory',
  background: 'Claude Code background mode',
  effort: 'Claude Code effort setting',
  isolation: 'Claude Code isolation mode',
  initialPrompt: 'Claude Code initial prompt',
  disabled: 'Claude Code disable switch',
};

/** Tool sub-fields inside `toolset`, for completion and hover. */
export const TOOLSET_FIELDS: Readonly<Record<string, string>> = {
  type: 'Always `agent_toolset_20260401` (the built-in toolset).',
  default_config: 'Applies to every tool unless a `configs` entry says otherwise: `enabled`, `permission_policy`.',
  configs: 'Per-tool settings: `name`, `enabled`, `permission_policy`.',
  enabled: 'Whether the tool is offered to the model. A disabled tool is refused even if called.',
  permission_policy: '`{ type: always_allow }` runs calls; `{ type: always_ask }` waits for your approval.',
};

export const PERMISSION_POLICIES = ['always_allow', 'always_ask'] as const;

export const TOOL_DOCS: Readonly<Record<BuiltinToolName, string>> = {
  bash: 'Runs shell commands in the agent’s sandbox.',
  read: 'Reads a file.',
  write: 'Creates or overwrites a file.',
  edit: 'Replaces text in a file.',
  glob: 'Finds files by pattern.',
  grep: 'Searches file contents.',
};

/** Claude Code tools that have no Agent OS counterpart: listed in a Claude file they are ignored with a warning. */
const CLAUDE_ONLY_TOOLS = new Set(
  [
    'WebFetch', 'WebSearch', 'Task', 'Agent', 'TodoWrite', 'TodoRead', 'NotebookEdit', 'NotebookRead', 'LS',
    'BashOutput', 'KillShell', 'KillBash', 'SlashCommand', 'Skill', 'ExitPlanMode', 'AskUserQuestion', 'ListMcpResources',
    'ReadMcpResource',
  ].map((t) => t.toLowerCase()),
);

export type ToolNameLookup =
  | { kind: 'tool'; tool: BuiltinToolName }
  | { kind: 'claude_only'; message: string }
  | { kind: 'unknown'; message: string; suggestion?: string };

export function lookupToolName(raw: string): ToolNameLookup {
  const name = raw.trim();
  const lower = name.toLowerCase();
  if ((BUILTIN_TOOL_NAMES as readonly string[]).includes(lower)) return { kind: 'tool', tool: lower as BuiltinToolName };
  if (lower === 'multiedit') return { kind: 'tool', tool: 'edit' };
  const call = /^(task|agent)\s*\(/.exec(lower);
  if (call) {
    return { kind: 'claude_only', message: `'${name}' is Claude Code syntax and is ignored; list the agents in callable_agents` };
  }
  const pattern = /^([a-z]+)\s*\(/.exec(lower);
  if (pattern && ((BUILTIN_TOOL_NAMES as readonly string[]).includes(pattern[1]!) || pattern[1] === 'multiedit')) {
    // Granting the whole tool would give more than the file asked for; leaving it out gives less. Less is safe.
    return { kind: 'claude_only', message: `command patterns like '${name}' are not supported; the tool stays off (list '${pattern[1]}' to allow all of it)` };
  }
  if (lower.startsWith('mcp__')) return { kind: 'claude_only', message: `MCP tool '${name}' is not available in Agent OS; ignored` };
  if (CLAUDE_ONLY_TOOLS.has(lower)) {
    return { kind: 'claude_only', message: `Claude Code tool '${name}' is not available in Agent OS; ignored` };
  }
  const suggestion = closest(lower, BUILTIN_TOOL_NAMES);
  return {
    kind: 'unknown',
    ...(suggestion ? { suggestion } : {}),
    message:
      `unknown tool '${name}'` +
      (suggestion ? ` (did you mean '${suggestion}'?)` : '') +
      `; tools are: ${BUILTIN_TOOL_NAMES.join(', ')}`,
  };
}

/** The candidate within edit distance 2, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}
