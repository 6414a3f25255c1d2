// The agents of one workspace (built-ins, `.agents/`, `.claude/agents/`), versioned through the
// version store: a session pins the versions it starts with and loads exactly those on wake.
import { AgentOsError } from '../../core/errors.ts';
import {
  formatProblem,
  resolvedTools,
  sandboxAccessFor,
  type AgentDefinition,
} from '../../core/agents/agentDefinition.ts';
import type { HarnessAgent } from '../../core/harness/harnessAgent.ts';
import { buildAgentSet } from '../../core/agents/agentSet.ts';
import { readAgentFiles } from '../agents/agentLoader.ts';
import type { AgentVersionStore } from '../agents/agentVersionStore.ts';
import type { AgentCatalog } from './agentCatalog.ts';

export interface WorkspaceAgentCatalogOptions {
  workspaceRoot: string;
  versions: AgentVersionStore;
  maxDelegationDepth: number;
  maxTokens: number;
  /** Per-agent model from settings, over the definition's own (e.g. `agentOs.models.coder`). */
  modelOverrides?: Readonly<Record<string, string>>;
  /** Reports problems of agent files that did not stop the session (warnings, unrelated files). */
  onProblem?(line: string): void;
}

export class WorkspaceAgentCatalog implements AgentCatalog {
  constructor(private readonly options: WorkspaceAgentCatalogOptions) {}

  async pinVersions(primary: string): Promise<Record<string, number>> {
    const read = await readAgentFiles(this.options.workspaceRoot);
    const set = buildAgentSet(read.files, { maxDelegationDepth: this.options.maxDelegationDepth });
    const { agents } = set;
    const problems = [...read.problems, ...set.problems];
    const reachable = this.reachable(primary, agents);
    // A broken file that names an agent the session runs (an override of a built-in) must stop it too:
    // the built-in left in its place is not what the person wrote. The first file with a name claims it.
    const claimed = new Set<string>();
    for (const parsed of set.files) {
      const key = parsed.name?.toLowerCase();
      if (!key || claimed.has(key)) continue;
      claimed.add(key);
      if (reachable.names.some((n) => n.toLowerCase() === key) && parsed.problems.some((p) => p.severity === 'error'))
        reachable.files.add(parsed.file);
    }
    const blocking = problems.filter(
      (p) =>
        p.severity === 'error' &&
        (reachable.missing.length > 0 || (p.file !== undefined && reachable.files.has(p.file))),
    );
    if (reachable.missing.length > 0 || blocking.length > 0) {
      const what = reachable.missing.length
        ? `agent ${reachable.missing.map((n) => `'${n}'`).join(', ')} is not defined`
        : 'an agent file is malformed';
      throw new AgentOsError('INVALID_AGENT', [what, ...blocking.map(formatProblem)].join('\n'));
    }
    for (const p of problems) if (!blocking.includes(p)) this.options.onProblem?.(formatProblem(p));
    const out: Record<string, number> = {};
    for (const name of reachable.names) {
      const definition = agents.get(name) as AgentDefinition;
      out[name] = (await this.options.versions.resolve(definition)).version;
    }
    return out;
  }

  async load(versions: Readonly<Record<string, number>>): Promise<Map<string, HarnessAgent>> {
    const out = new Map<string, HarnessAgent>();
    for (const [name, version] of Object.entries(versions)) {
      const definition = await this.options.versions.get(name, version);
      out.set(name, {
        name: definition.name,
        version: definition.version,
        model: this.options.modelOverrides?.[definition.name.toLowerCase()] || definition.model,
        maxTokens: this.options.maxTokens,
        system: definition.system,
        tools: resolvedTools(definition),
        callableAgents: definition.callable_agents,
        network: definition.network,
        access: sandboxAccessFor(definition),
        ...(definition.max_turns !== undefined ? { maxTurns: definition.max_turns } : {}),
      });
    }
    return out;
  }

  private reachable(
    primary: string,
    agents: Map<string, AgentDefinition>,
  ): { names: string[]; missing: string[]; files: Set<string> } {
    const names: string[] = [];
    const missing: string[] = [];
    const files = new Set<string>();
    const queue = [primary];
    while (queue.length) {
      const name = queue.shift() as string;
      if (names.includes(name) || missing.includes(name)) continue;
      const definition = agents.get(name);
      if (!definition) {
        missing.push(name);
        continue;
      }
      names.push(name);
      if (definition.source.kind === 'file') files.add(definition.source.path);
      queue.push(...definition.callable_agents);
    }
    return { names, missing, files };
  }
}
