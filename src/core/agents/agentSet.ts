// Builds the set of agents a workspace runs: the built-ins, replaced or joined by the workspace's files,
// with the checks that need every agent at once (duplicate names, unknown callable agents, delegation
// cycles and depth). The loader and the language server both call this — one source of truth.
import { DEFAULT_DELEGATION_DEPTH } from './agentDefinition.ts';
import type { AgentDefinition, AgentProblem } from './agentDefinition.ts';
import { closest } from './agentFileFields.ts';
import { parseAgentFile } from './agentFileParser.ts';
import type { AgentFileInput, ParsedAgentFile } from './agentFileParser.ts';
import { builtinAgents } from './builtinAgents.ts';
import type { TextRange } from './textRange.ts';

export interface AgentSetOptions {
  /** How many levels of delegation are allowed (1: a callable agent may not call agents itself). */
  maxDelegationDepth?: number;
  builtins?: readonly AgentDefinition[];
}

export interface AgentSet {
  /** The agents that load, by name. A file that failed keeps a built-in of the same name in place. */
  agents: Map<string, AgentDefinition>;
  /** Every problem of every file, errors and warnings, in file order. */
  problems: AgentProblem[];
  files: ParsedAgentFile[];
}

interface Candidate {
  definition: AgentDefinition;
  parsed?: ParsedAgentFile;
}

interface Edge {
  from: string;
  to: string;
  name: string;
  range?: TextRange;
}

const key = (name: string) => name.toLowerCase();

export function buildAgentSet(inputs: readonly AgentFileInput[], options: AgentSetOptions = {}): AgentSet {
  const maxDepth = options.maxDelegationDepth ?? DEFAULT_DELEGATION_DEPTH;
  const builtins = new Map((options.builtins ?? builtinAgents()).map((d) => [key(d.name), d]));
  // `.agents/` before `.claude/agents/`, so our own folder wins a name both use.
  const ordered = [...inputs].sort((a, b) =>
    a.folder === b.folder ? a.path.localeCompare(b.path) : a.folder === 'agents' ? -1 : 1,
  );
  const files = ordered.map(parseAgentFile);
  const problems: AgentProblem[] = [];
  const report = (parsed: ParsedAgentFile, field: string, message: string, range?: TextRange, replacement?: string) => {
    parsed.problems.push({
      file: parsed.file,
      field,
      message,
      severity: 'error',
      range: range ?? parsed.headRange,
      ...(replacement !== undefined ? { replacement } : {}),
    });
  };

  const candidates = new Map<string, Candidate>();
  for (const [k, d] of builtins) candidates.set(k, { definition: d });
  const claimedBy = new Map<string, ParsedAgentFile>();
  for (const parsed of files) {
    if (!parsed.name) continue;
    const k = key(parsed.name);
    const earlier = claimedBy.get(k);
    if (earlier) {
      report(
        parsed,
        'name',
        `agent '${parsed.name}' is already defined in ${earlier.file}; this file is ignored`,
        parsed.nameRange,
      );
      continue;
    }
    claimedBy.set(k, parsed);
    if (!parsed.definition) continue;
    const builtin = builtins.get(k);
    // An override keeps the built-in's spelling so the pipeline finds it by its usual name.
    candidates.set(k, {
      definition: builtin ? { ...parsed.definition, name: builtin.name } : parsed.definition,
      parsed,
    });
  }

  const edgesOf = (k: string): Edge[] => {
    const candidate = candidates.get(k);
    if (!candidate) return [];
    if (candidate.parsed)
      return candidate.parsed.callables.map((c) => ({ from: k, to: key(c.name), name: c.name, range: c.range }));
    return candidate.definition.callable_agents.map((name) => ({ from: k, to: key(name), name }));
  };

  // Unknown callable agents, also in files that fail for other reasons, so every mistake shows at once.
  const failed = new Set<string>();
  const names = [...candidates.values()].map((c) => c.definition.name);
  for (const parsed of files) {
    if (parsed.name && claimedBy.get(key(parsed.name)) !== parsed) continue;
    for (const callable of parsed.callables) {
      const to = key(callable.name);
      if (candidates.has(to)) continue;
      const broken = claimedBy.get(to);
      const suggestion = closest(callable.name, names);
      const where = callable.field === 'tools' ? 'Agent(…) of tools' : 'callable_agents';
      report(
        parsed,
        callable.field,
        broken
          ? `'${callable.name}' cannot be called: its file ${broken.file} has errors`
          : `unknown agent '${callable.name}' in ${where}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; agents are: ${names.join(', ')}`,
        callable.range,
        broken ? undefined : suggestion,
      );
      if (parsed.name && candidates.get(key(parsed.name))?.parsed === parsed) failed.add(key(parsed.name));
    }
  }

  // Cycles: an edge inside a strongly connected component (or to itself) closes one.
  const graph = new Map<string, string[]>();
  for (const k of candidates.keys())
    graph.set(
      k,
      edgesOf(k)
        .map((e) => e.to)
        .filter((to) => candidates.has(to)),
    );
  const component = stronglyConnected(graph);
  const inCycle = (edge: Edge) =>
    edge.from === edge.to || (component.get(edge.from) === component.get(edge.to) && component.has(edge.to));
  const label = (k: string) => candidates.get(k)?.definition.name ?? k;
  for (const [k, candidate] of candidates) {
    if (!candidate.parsed) continue;
    for (const edge of edgesOf(k)) {
      if (!candidates.has(edge.to) || !inCycle(edge)) continue;
      const back = pathWithin(graph, edge.to, edge.from, component) ?? [edge.to];
      report(
        candidate.parsed,
        'callable_agents',
        `delegation cycle: ${[k, ...back].map(label).join(' → ')}`,
        edge.range,
      );
      failed.add(k);
    }
  }

  // Depth: the longest chain below a callee, cycles left out (they are reported above).
  const longest = new Map<string, string[]>();
  const chainFrom = (k: string, visiting: Set<string>): string[] => {
    const known = longest.get(k);
    if (known) return known;
    visiting.add(k);
    let best: string[] = [k];
    for (const edge of edgesOf(k)) {
      if (!candidates.has(edge.to) || inCycle(edge) || visiting.has(edge.to)) continue;
      const below = chainFrom(edge.to, visiting);
      if (below.length + 1 > best.length) best = [k, ...below];
    }
    visiting.delete(k);
    longest.set(k, best);
    return best;
  };
  const flaggedCallees = new Set<string>();
  for (const [k, candidate] of candidates) {
    for (const edge of edgesOf(k)) {
      if (!candidates.has(edge.to) || inCycle(edge)) continue;
      const chain = [k, ...chainFrom(edge.to, new Set([k]))];
      const depth = chain.length - 1;
      if (depth <= maxDepth) continue;
      const shown = chain.map(label).join(' → ');
      const limit = `the limit is ${maxDepth} (setting agentOs.delegationDepth)`;
      if (candidate.parsed) {
        report(
          candidate.parsed,
          'callable_agents',
          `delegation too deep: ${shown} is ${depth} levels; ${limit}`,
          edge.range,
        );
        failed.add(k);
      } else {
        // A built-in caller has no file to point at: blame the callee whose own callable_agents add the depth.
        const callee = candidates.get(edge.to);
        if (callee?.parsed && !flaggedCallees.has(edge.to)) {
          flaggedCallees.add(edge.to);
          report(
            callee.parsed,
            'callable_agents',
            `${callee.definition.name} is called by ${candidate.definition.name}, so its callable_agents make delegation ${depth} levels deep (${shown}); ${limit}`,
            callee.parsed.callableFieldRange,
          );
          failed.add(edge.to);
        }
      }
    }
  }

  // Drop what failed (a failed override gives the built-in back), then whatever calls a dropped agent.
  for (const k of failed) {
    const builtin = builtins.get(k);
    if (builtin) candidates.set(k, { definition: builtin });
    else candidates.delete(k);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const [k, candidate] of candidates) {
      const missing = edgesOf(k).find((e) => !candidates.has(e.to));
      if (!missing) continue;
      if (candidate.parsed)
        report(
          candidate.parsed,
          'callable_agents',
          `'${missing.name}' cannot be called: it failed to load`,
          missing.range,
        );
      const builtin = builtins.get(k);
      if (builtin && candidate.parsed) candidates.set(k, { definition: builtin });
      else candidates.delete(k);
      changed = true;
    }
  }

  const agents = new Map<string, AgentDefinition>();
  for (const { definition } of candidates.values()) {
    agents.set(definition.name, {
      ...definition,
      callable_agents: definition.callable_agents.map((n) => candidates.get(key(n))?.definition.name ?? n),
    });
  }
  for (const parsed of files) problems.push(...parsed.problems);
  return { agents, problems, files };
}

/** Tarjan's algorithm: node → component id, for nodes in a component of two or more. */
function stronglyConnected(graph: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result = new Map<string, number>();
  let counter = 0;
  let componentId = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const members: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        members.push(w);
      } while (w !== v);
      if (members.length > 1) for (const m of members) result.set(m, componentId);
      componentId++;
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return result;
}

/** Shortest path from `from` to `to` inside one component (breadth first), both ends included. */
function pathWithin(
  graph: Map<string, string[]>,
  from: string,
  to: string,
  component: Map<string, number>,
): string[] | undefined {
  const id = component.get(from);
  const previous = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length) {
    const v = queue.shift()!;
    if (v === to) {
      const path = [v];
      let p = previous.get(v);
      while (p !== undefined) {
        path.unshift(p);
        p = previous.get(p);
      }
      return path;
    }
    for (const w of graph.get(v) ?? []) {
      if (seen.has(w) || component.get(w) !== id) continue;
      seen.add(w);
      previous.set(w, v);
      queue.push(w);
    }
  }
  return undefined;
}
