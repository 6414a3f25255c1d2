// What an agent is: name, description, model, system prompt, tool configuration, the agents it may call,
// and whether its bash may reach the network. Versions are assigned by the version store from the hash
// of `canonicalAgentContent`, so two definitions with the same content always share a version.
import { z } from 'zod';
import type { SandboxAccess } from '../sandbox/sandbox.ts';
import type { TextRange } from './textRange.ts';
import { AgentToolset, enabledToolNames, resolveToolset, WRITING_TOOLS } from '../tools/toolConfig.ts';
import type { ResolvedToolConfig } from '../tools/toolConfig.ts';

/** Letters, digits, `-`, `_`, `.`; Claude Code's lowercase-hyphen names fit, so do ours ("Coder"). */
export const AGENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Delegation depth of the hosted platform: a callable agent may not call agents itself. */
export const DEFAULT_DELEGATION_DEPTH = 1;

export const AgentSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }),
  /** `agents`: `.agents/*.md`; `claude`: `.claude/agents/*.md`. Same format, both accept every field. */
  z.object({ kind: z.literal('file'), path: z.string(), folder: z.enum(['agents', 'claude']) }),
]);
export type AgentSource = z.infer<typeof AgentSource>;

export const AgentDefinitionSchema = z.strictObject({
  name: z.string().regex(AGENT_NAME_PATTERN),
  /** Up to the prompt's length: Claude Code descriptions hold examples and can be long (past the
   * hosted platform's 2,048, which is a warning when the file is read). */
  description: z.string().min(1).max(100_000),
  model: z.string().min(1),
  system: z.string().max(100_000),
  toolset: AgentToolset,
  /** Names of the agents this one may delegate to, spelled as the loaded agents are. */
  callable_agents: z.array(z.string()),
  /** Whether its bash may use the network. Off unless asked for. */
  network: z.boolean(),
  /** Claude Code's `maxTurns`: the most model turns a thread of this agent may take on one task (the
   * runtime stops it there, `agent_os.loop_detected`); absent when the file sets none (so older versions
   * keep their hash). */
  max_turns: z.number().int().positive().optional(),
  source: AgentSource,
});
export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>;

/** A definition pinned to one immutable version (what a session runs). */
export const VersionedAgentDefinitionSchema = AgentDefinitionSchema.extend({ version: z.number().int().positive() });
export type VersionedAgentDefinition = z.infer<typeof VersionedAgentDefinitionSchema>;

/** One finding about an agent file or the set of agents. The loader and the language server both
 * report exactly these, so the runtime's errors and the editor's diagnostics never disagree. */
export interface AgentProblem {
  /** Path of the file, absent for problems of built-in agents. */
  file?: string;
  /** The field it is about (`name`, `tools`, `toolset.configs.0.name`, `front matter`, `body`). */
  field: string;
  message: string;
  severity: 'error' | 'warning';
  /** 0-based, within the file. */
  range?: TextRange;
  /** Text that fixes the problem when it replaces `range` (offered as a quick fix). */
  replacement?: string;
}

export function resolvedTools(definition: Pick<AgentDefinition, 'toolset'>): ResolvedToolConfig[] {
  return resolveToolset(definition.toolset);
}

/** Read-only unless the agent may write or edit: a reader's bash then gets a sandbox that cannot change
 * the writer's worktree (least privilege by infrastructure, not by prompt). */
export function sandboxAccessFor(definition: Pick<AgentDefinition, 'toolset'>): SandboxAccess {
  return enabledToolNames(resolvedTools(definition)).some((name) => WRITING_TOOLS.has(name))
    ? 'read_write'
    : 'read_only';
}

/** The content that makes a version: everything but where it was read from. Tools are resolved so two
 * spellings of the same permissions are the same version. */
export function canonicalAgentContent(definition: AgentDefinition): unknown {
  return {
    name: definition.name,
    description: definition.description,
    model: definition.model,
    system: definition.system,
    tools: resolvedTools(definition),
    callable_agents: [...definition.callable_agents].sort(),
    network: definition.network,
    max_turns: definition.max_turns,
  };
}

/** JSON with object keys sorted at every level: the input of the content hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** `file:line:col: severity: message`, 1-based, for terminals and logs. */
export function formatProblem(problem: AgentProblem): string {
  const where = problem.file
    ? `${problem.file}${problem.range ? `:${problem.range.start.line + 1}:${problem.range.start.character + 1}` : ''}`
    : '(built-in agents)';
  return `${where}: ${problem.severity}: ${problem.message}`;
}
