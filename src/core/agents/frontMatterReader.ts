// The front matter of an agent file as fields: the YAML between the `---` lines parsed, each key judged
// (ours, Claude Code's, or unknown), and readers for a field as text or as a list of names that know where
// in the file each value sits, so a problem points at it.
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';
import {
  AGENT_FIELDS,
  CLAUDE_CODE_FIELDS,
  claudeCodeFieldMessage,
  judgeUnknownField,
  openParentheses,
  splitTopLevel,
} from './agentFileFields.ts';
import type { LineIndex, TextRange } from './textRange.ts';

/** Records a problem of the file being read. */
export type ReportProblem = (
  field: string,
  message: string,
  severity: 'error' | 'warning',
  range?: TextRange,
  replacement?: string,
) => void;

/** One value of a list field, with its offsets in the YAML text. */
export type Item = { value: string; start: number; end: number };

interface FieldEntry {
  node: YamlNode | null;
  keyRange: TextRange | undefined;
}

interface FrontMatter {
  yaml: string;
  yamlStart: number;
  bodyStart: number;
}

/** The front matter's fields, or undefined when it is missing, unclosed or not a YAML mapping (reported). */
export function readFrontMatter(text: string, index: LineIndex, problem: ReportProblem): FrontMatterReader | undefined {
  const split = splitFrontMatter(text);
  if (split === 'missing') {
    problem(
      'front matter',
      'no front matter: the file must start with a line `---`, then the YAML fields, then a line `---`',
      'error',
    );
    return undefined;
  }
  if (split === 'unclosed') {
    problem('front matter', 'front matter is not closed: add a line `---` after the fields', 'error');
    return undefined;
  }
  const { yaml, yamlStart, bodyStart } = split;
  const at = (start: number, end: number): TextRange => index.rangeOf(yamlStart + start, yamlStart + end);
  const nodeRange = (node: YamlNode | null | undefined): TextRange | undefined =>
    node?.range ? at(node.range[0], Math.max(node.range[1], node.range[0])) : undefined;

  const doc = parseDocument(yaml, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const message = error.message.split('\n')[0] ?? error.message;
      problem(
        'front matter',
        `front matter is not valid YAML: ${message}`,
        'error',
        at(error.pos[0], Math.max(error.pos[1], error.pos[0] + 1)),
      );
    }
    return undefined;
  }
  const root = doc.contents;
  if (root !== null && !isMap(root)) {
    problem('front matter', 'front matter must be a set of `field: value` lines', 'error', nodeRange(root));
    return undefined;
  }

  const values = new Map<string, FieldEntry>();
  for (const pair of (root as YAMLMap | null)?.items ?? []) {
    const keyNode = isScalar(pair.key) ? pair.key : undefined;
    const key = keyNode ? String(keyNode.value) : undefined;
    const keyRange = nodeRange(keyNode);
    if (key === undefined) {
      problem('front matter', 'field names must be plain words', 'error', nodeRange(pair.key as YamlNode));
      continue;
    }
    const claude = CLAUDE_CODE_FIELDS[key];
    if (key in AGENT_FIELDS) {
      values.set(key, { node: (pair.value as YamlNode | null) ?? null, keyRange });
    } else if (claude?.support === 'recorded') {
      values.set(key, { node: (pair.value as YamlNode | null) ?? null, keyRange });
    } else if (claude) {
      problem(key, claudeCodeFieldMessage(key, claude), 'warning', keyRange);
    } else {
      const verdict = judgeUnknownField(key);
      problem(key, verdict.message, verdict.severity, keyRange, verdict.suggestion);
    }
  }
  return new FrontMatterReader(doc, yaml, bodyStart, values, at, nodeRange, problem);
}

export class FrontMatterReader {
  constructor(
    readonly doc: Document,
    readonly yaml: string,
    /** Offset in the file where the body (the system prompt) starts. */
    readonly bodyStart: number,
    private readonly values: ReadonlyMap<string, FieldEntry>,
    /** The file range of YAML offsets [start, end). */
    readonly at: (start: number, end: number) => TextRange,
    readonly nodeRange: (node: YamlNode | null | undefined) => TextRange | undefined,
    private readonly problem: ReportProblem,
  ) {}

  has(field: string): boolean {
    return this.values.has(field);
  }

  entry(field: string): FieldEntry | undefined {
    return this.values.get(field);
  }

  /** A field that must be a non-empty text, trimmed. */
  text(field: string): { value: string; range: TextRange | undefined } | undefined {
    const entry = this.values.get(field);
    if (!entry) return undefined;
    const range = this.nodeRange(entry.node) ?? entry.keyRange;
    if (!isScalar(entry.node) || typeof entry.node.value !== 'string' || entry.node.value.trim() === '') {
      this.problem(field, `'${field}' must be a non-empty text`, 'error', range);
      return undefined;
    }
    return { value: entry.node.value.trim(), range };
  }

  /** A field that is a comma-separated text or a YAML list of names; empty is an empty list. */
  items(field: string): Item[] | undefined {
    const entry = this.values.get(field);
    if (!entry) return undefined;
    const node = entry.node;
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (isSeq(node)) {
      const out: Item[] = [];
      let open: Item | undefined;
      for (const item of node.items) {
        const itemNode = item as YamlNode;
        if (
          isScalar(itemNode) &&
          (typeof itemNode.value === 'string' || typeof itemNode.value === 'number') &&
          itemNode.range
        ) {
          const value = String(itemNode.value).trim();
          // `[Agent(worker, researcher), Read]` is split by YAML inside the parentheses: join it again.
          if (open) {
            open.value = `${open.value}, ${value}`;
            open.end = itemNode.range[1];
          } else {
            open = { value, start: itemNode.range[0], end: itemNode.range[1] };
          }
          if (openParentheses(open.value) <= 0) {
            out.push(open);
            open = undefined;
          }
        } else {
          this.problem(
            field,
            `each entry of '${field}' must be a name`,
            'error',
            this.nodeRange(itemNode) ?? entry.keyRange,
          );
        }
      }
      if (open) out.push(open);
      return out;
    }
    if (isScalar(node) && typeof node.value === 'string' && node.range) {
      const source = this.yaml.slice(node.range[0], node.range[1]);
      const out: Item[] = [];
      let cursor = 0;
      for (const { value } of splitTopLevel(node.value)) {
        const found = source.indexOf(value, cursor);
        if (found >= 0) {
          out.push({ value, start: node.range[0] + found, end: node.range[0] + found + value.length });
          cursor = found + value.length;
        } else {
          out.push({ value, start: node.range[0], end: node.range[1] });
        }
      }
      return out;
    }
    this.problem(
      field,
      `'${field}' must be a comma-separated text or a YAML list`,
      'error',
      this.nodeRange(node) ?? entry.keyRange,
    );
    return undefined;
  }
}

function splitFrontMatter(text: string): FrontMatter | 'missing' | 'unclosed' {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const firstEnd = text.indexOf('\n', start);
  const firstLine = text.slice(start, firstEnd === -1 ? text.length : firstEnd);
  if (firstLine.trimEnd() !== '---') return 'missing';
  if (firstEnd === -1) return 'unclosed';
  const yamlStart = firstEnd + 1;
  let position = yamlStart;
  while (position <= text.length) {
    const end = text.indexOf('\n', position);
    const line = text.slice(position, end === -1 ? text.length : end).trimEnd();
    if (line === '---' || line === '...') {
      return { yaml: text.slice(yamlStart, position), yamlStart, bodyStart: end === -1 ? text.length : end + 1 };
    }
    if (end === -1) break;
    position = end + 1;
  }
  return 'unclosed';
}
