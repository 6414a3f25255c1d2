// The `toolset` field of an agent file: the platform's own shape (type, default_config, configs) written
// out in YAML instead of the tools / disallowedTools / ask shorthand. Checked against the toolset schema,
// each problem pointing at the YAML node it concerns and saying what to write instead.
import { isMap, isScalar } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { AgentToolset, BUILTIN_TOOLSET_TYPE } from '../tools/toolConfig.ts';
import { lookupToolName, PERMISSION_POLICIES } from './agentFileFields.ts';
import type { ReportProblem } from './frontMatterReader.ts';
import type { TextRange } from './textRange.ts';

export function parseToolset(
  doc: Document,
  node: YamlNode | null,
  keyRange: TextRange | undefined,
  nodeRange: (node: YamlNode | null | undefined) => TextRange | undefined,
  problem: ReportProblem,
): AgentToolset | undefined {
  if (!isMap(node)) {
    problem(
      'toolset',
      "'toolset' must be a mapping with type, default_config and configs",
      'error',
      nodeRange(node) ?? keyRange,
    );
    return undefined;
  }
  const raw = node.toJSON() as Record<string, unknown>;
  // `type` has one possible value; a file may leave it out.
  const value = { type: BUILTIN_TOOLSET_TYPE, ...raw };
  const parsed = AgentToolset.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const field = ['toolset', ...path].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const parent = doc.getIn(['toolset', ...path], true) as YamlNode | undefined;
        const keyNode = isMap(parent)
          ? parent.items.find((p) => isScalar(p.key) && p.key.value === key)?.key
          : undefined;
        problem(
          `${field}.${key}`,
          `unknown field '${key}' in ${field}`,
          'error',
          nodeRange(keyNode as YamlNode) ?? nodeRange(parent) ?? keyRange,
        );
      }
      continue;
    }
    const target = doc.getIn(['toolset', ...path], true) as YamlNode | undefined;
    const range = nodeRange(target) ?? nodeRange(node);
    const actual = valueAt(value, path);
    const last = path[path.length - 1];
    if (last === 'name' && path[0] === 'configs') {
      const lookup = typeof actual === 'string' ? lookupToolName(actual) : undefined;
      const message =
        lookup === undefined
          ? `${field} must be a tool name`
          : lookup.kind === 'tool'
            ? `write the tool name in lower case: '${lookup.tool}'`
            : lookup.kind === 'agents' || lookup.kind === 'delegation'
              ? `'${String(actual)}' is not a tool of the toolset: list the agents this one may call in callable_agents`
              : lookup.message;
      const replacement =
        lookup?.kind === 'tool' ? lookup.tool : lookup?.kind === 'unknown' ? lookup.suggestion : undefined;
      problem(field, message, 'error', range, replacement);
    } else if (last === 'type' && path.includes('permission_policy')) {
      problem(
        field,
        `unknown permission policy '${String(actual)}'; policies are: ${PERMISSION_POLICIES.join(', ')}`,
        'error',
        range,
      );
    } else if (last === 'type' && path.length === 1) {
      problem(field, `toolset type must be '${BUILTIN_TOOLSET_TYPE}'`, 'error', range);
    } else {
      problem(field, `${field}: ${issue.message}`, 'error', range);
    }
  }
  return undefined;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
