// Tool configuration per agent, in the platform's shape (docs/reference/managedAgents.md, "Tool configuration"):
// a toolset with `default_config` and per-tool `configs`. Resolution is the single place that decides
// whether a tool is offered to the model and whether a call may run, must ask, or is refused.
import { z } from 'zod';

export const BUILTIN_TOOLSET_TYPE = 'agent_toolset_20260401';
export const BUILTIN_TOOL_NAMES = ['bash', 'read', 'write', 'edit', 'glob', 'grep'] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];
/** Tools whose calls change nothing. */
export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set(['read', 'glob', 'grep']);
/** On wake, an unanswered call of these is run again: reading changes nothing, and writing a whole
 * file twice leaves what writing it once does (nothing else of the thread ran after it). Every other
 * call gets an explicit "interrupted, outcome unknown" result instead. */
export const SAFE_TO_RERUN: ReadonlySet<string> = new Set([...READ_ONLY_TOOLS, 'write']);
/** Tools that can change files: never given to a read-only agent's sandbox. */
export const WRITING_TOOLS: ReadonlySet<string> = new Set(['write', 'edit']);

export const PermissionPolicy = z.object({ type: z.enum(['always_allow', 'always_ask']) });
export type PermissionPolicy = z.infer<typeof PermissionPolicy>;

export const ToolConfigEntry = z.strictObject({
  name: z.enum(BUILTIN_TOOL_NAMES),
  enabled: z.boolean().optional(),
  permission_policy: PermissionPolicy.optional(),
});

export const AgentToolset = z.strictObject({
  type: z.literal(BUILTIN_TOOLSET_TYPE),
  default_config: z
    .strictObject({ enabled: z.boolean().optional(), permission_policy: PermissionPolicy.optional() })
    .optional(),
  configs: z.array(ToolConfigEntry).optional(),
});
export type AgentToolset = z.infer<typeof AgentToolset>;

export interface ResolvedToolConfig {
  name: BuiltinToolName;
  enabled: boolean;
  permission_policy: PermissionPolicy['type'];
}

/** The fully resolved form, as the platform returns it: one entry per built-in tool. */
export function resolveToolset(toolset: AgentToolset | undefined): ResolvedToolConfig[] {
  const defaults = {
    enabled: toolset ? (toolset.default_config?.enabled ?? true) : false,
    permission_policy: toolset?.default_config?.permission_policy?.type ?? 'always_allow',
  };
  return BUILTIN_TOOL_NAMES.map((name) => {
    const own = toolset?.configs?.find((c) => c.name === name);
    return {
      name,
      enabled: own?.enabled ?? defaults.enabled,
      permission_policy: own?.permission_policy?.type ?? defaults.permission_policy,
    };
  });
}

export type ToolPermission = 'allow' | 'ask' | 'deny';

/** What happens to a call of `name`: a tool that is not enabled (or unknown) is denied outright. */
export function evaluatePermission(resolved: readonly ResolvedToolConfig[], name: string): ToolPermission {
  const config = resolved.find((c) => c.name === name);
  if (!config || !config.enabled) return 'deny';
  return config.permission_policy === 'always_ask' ? 'ask' : 'allow';
}

export function enabledToolNames(resolved: readonly ResolvedToolConfig[]): BuiltinToolName[] {
  return resolved.filter((c) => c.enabled).map((c) => c.name);
}

/** An allow-list toolset: only `names` enabled, each with the given policy. */
export function allowListToolset(
  names: readonly BuiltinToolName[],
  ask: readonly BuiltinToolName[] = [],
): AgentToolset {
  return {
    type: BUILTIN_TOOLSET_TYPE,
    default_config: { enabled: false },
    configs: names.map((name) => ({
      name,
      enabled: true,
      permission_policy: { type: ask.includes(name) ? 'always_ask' : 'always_allow' },
    })),
  };
}
