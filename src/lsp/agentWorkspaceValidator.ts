// The language server's view of the agent files: what is on disk, overlaid by what is open (and maybe
// unsaved) in the editor. Validation runs the runtime's own `buildAgentSet` per workspace root, so the
// editor's diagnostics are exactly the loader's problems.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity } from 'vscode-languageserver';
import type { Diagnostic } from 'vscode-languageserver';
import { DEFAULT_DELEGATION_DEPTH } from '../core/agents/agentDefinition.ts';
import type { AgentProblem } from '../core/agents/agentDefinition.ts';
import type { AgentFileInput, AgentFolder } from '../core/agents/agentFileParser.ts';
import { buildAgentSet } from '../core/agents/agentSet.ts';
import type { AgentSet } from '../core/agents/agentSet.ts';
import { readAgentFiles } from '../node/agents/agentLoader.ts';
import type { CompletionAgents } from './agentCompletion.ts';

/** The workspace root and folder kind of an agent file path, or undefined for any other file. */
export function agentFileLocation(path: string): { root: string; folder: AgentFolder } | undefined {
  // Subfolders count (the loader reads them), hidden ones do not; the outermost agent folder is the one.
  const ours = /^(.*?)[\\/]\.agents[\\/](?:[^\\/.][^\\/]*[\\/])*[^\\/]+\.md$/i.exec(path);
  const claude = /^(.*?)[\\/]\.claude[\\/]agents[\\/](?:[^\\/.][^\\/]*[\\/])*[^\\/]+\.md$/i.exec(path);
  if (ours && (!claude || ours[1]!.length <= claude[1]!.length)) return { root: ours[1] || '/', folder: 'agents' };
  if (claude) return { root: claude[1] || '/', folder: 'claude' };
  return undefined;
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export class AgentWorkspaceValidator {
  private readonly roots = new Set<string>();
  private readonly open = new Map<string, { uri: string; text: string }>();
  private readonly sets = new Map<string, AgentSet>();
  private published = new Set<string>();
  maxDelegationDepth = DEFAULT_DELEGATION_DEPTH;

  addRoot(root: string): void {
    this.roots.add(root);
  }

  removeRoot(root: string): void {
    this.roots.delete(root);
    this.sets.delete(root);
  }

  /** Returns false for documents that are not agent files (they are left alone). */
  setOpen(uri: string, text: string): boolean {
    const path = uriToPath(uri);
    if (!path || !agentFileLocation(path)) return false;
    this.open.set(path, { uri, text });
    return true;
  }

  close(uri: string): boolean {
    const path = uriToPath(uri);
    return path !== undefined && this.open.delete(path);
  }

  /** Diagnostics for every agent file of every root; files that had some before and have none now get
   * an empty list so the editor clears them. */
  async validate(): Promise<Map<string, Diagnostic[]>> {
    const roots = new Set(this.roots);
    for (const path of this.open.keys()) roots.add(agentFileLocation(path)!.root);
    const out = new Map<string, Diagnostic[]>();
    for (const root of roots) {
      const { files } = await readAgentFiles(root);
      const byPath = new Map<string, AgentFileInput>(files.map((f) => [f.path, f]));
      for (const [path, doc] of this.open) {
        const location = agentFileLocation(path)!;
        if (location.root === root) byPath.set(path, { path, folder: location.folder, text: doc.text });
      }
      const set = buildAgentSet([...byPath.values()], { maxDelegationDepth: this.maxDelegationDepth });
      this.sets.set(root, set);
      for (const file of set.files) {
        const uri = this.open.get(file.file)?.uri ?? pathToFileURL(file.file).href;
        out.set(uri, set.problems.filter((p) => p.file === file.file).map(toDiagnostic));
      }
    }
    for (const uri of this.published) if (!out.has(uri)) out.set(uri, []);
    this.published = new Set([...out].filter(([, d]) => d.length > 0).map(([uri]) => uri));
    return out;
  }

  /** Agents known when `uri` was last validated: for completion and hover. */
  agentsFor(uri: string): CompletionAgents {
    const path = uriToPath(uri);
    const location = path ? agentFileLocation(path) : undefined;
    const set = location ? this.sets.get(location.root) : undefined;
    const agents = set ? [...set.agents.values()].map((a) => ({ name: a.name, description: a.description })) : [];
    // Agents whose file is broken right now are still agents the user means to call.
    for (const file of set?.files ?? []) {
      if (file.name && !agents.some((a) => a.name.toLowerCase() === file.name!.toLowerCase())) {
        agents.push({ name: file.name, description: `(has errors) ${file.file}` });
      }
    }
    const selfName = set?.files.find((f) => f.file === path)?.name;
    return { agents, selfName };
  }
}

export function toDiagnostic(problem: AgentProblem): Diagnostic {
  return {
    range: problem.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: problem.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: 'Agent OS',
    code: problem.field,
    message: problem.message,
    ...(problem.replacement !== undefined ? { data: { replacement: problem.replacement } } : {}),
  };
}
