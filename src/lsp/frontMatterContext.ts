// Where the cursor is inside an agent file's front matter: which field (and nested key) it is on, and
// whether it is typing a key or a value. Line based on purpose: it must work on half-typed text that
// does not parse as YAML yet.

export interface CursorContext {
  /** Keys from the top-level field down to the key whose value is under the cursor (for `value`), or the
   * mapping the cursor adds a key to (for `key`). */
  keyPath: string[];
  kind: 'key' | 'value';
  /** Text of the value typed so far on this line (for `value`). */
  valueText: string;
  /** The word being typed: start and end character on the line. */
  wordStart: number;
  wordEnd: number;
  /** Top-level fields already in the front matter. */
  existingFields: string[];
}

export interface FrontMatterLines {
  lines: string[];
  /** Index of the closing `---` line, or lines.length if not closed yet. */
  close: number;
}

export function frontMatterLines(text: string): FrontMatterLines | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') return undefined;
  let close = lines.length;
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i]!.trimEnd();
    if (t === '---' || t === '...') {
      close = i;
      break;
    }
  }
  return { lines, close };
}

const KEY_LINE = /^(\s*)(-\s+)?([A-Za-z_][\w-]*)\s*:(.*)$/;
const isWordChar = (c: string | undefined) => c !== undefined && /[\w.()-]/.test(c);

/** Keys of the mappings that contain a line indented by `indent`, outermost first. */
export function parentKeys(lines: readonly string[], lineIndex: number, indent: number): string[] {
  const keys: string[] = [];
  let limit = indent;
  for (let j = lineIndex - 1; j >= 1 && limit > 0; j--) {
    const line = lines[j] ?? '';
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const raw = line.length - line.trimStart().length;
    if (raw >= limit) continue;
    const m = KEY_LINE.exec(line);
    if (m?.[2] || /^\s*-(\s|$)/.test(line)) {
      // An item of a list: the cursor is inside it; the list's own key is further up.
      limit = raw;
      continue;
    }
    if (m) {
      keys.unshift(m[3]!);
      limit = raw;
    }
  }
  return keys;
}

export function cursorContext(text: string, line: number, character: number): CursorContext | undefined {
  const fm = frontMatterLines(text);
  if (!fm || line <= 0 || line >= fm.close) return undefined;
  const lineText = fm.lines[line] ?? '';
  const prefix = lineText.slice(0, character);
  let wordStart = character;
  while (wordStart > 0 && isWordChar(lineText[wordStart - 1])) wordStart--;
  let wordEnd = character;
  while (wordEnd < lineText.length && isWordChar(lineText[wordEnd])) wordEnd++;
  const existingFields = fm.lines
    .slice(1, fm.close)
    .map((l) => /^([A-Za-z_][\w-]*)\s*:/.exec(l)?.[1])
    .filter((k): k is string => k !== undefined);
  const base = { wordStart, wordEnd, existingFields };

  const keyed = KEY_LINE.exec(prefix);
  if (keyed) {
    const raw = keyed[1]!.length;
    const parents = parentKeys(fm.lines, line, keyed[2] ? raw + 1 : raw);
    return { ...base, kind: 'value', keyPath: [...parents, keyed[3]!], valueText: keyed[4] ?? '' };
  }
  const bare = /^(\s*)(-\s*)?([A-Za-z_][\w-]*)?$/.exec(prefix);
  if (bare && !bare[2]) {
    return { ...base, kind: 'key', keyPath: parentKeys(fm.lines, line, bare[1]!.length), valueText: '' };
  }
  const item = /^(\s*)-\s*(.*)$/.exec(prefix);
  if (item) {
    const parents = parentKeys(fm.lines, line, item[1]!.length + 1);
    // An item of `configs` is a mapping: its first key is being typed.
    if (parents[parents.length - 1] === 'configs' && /^[\w-]*$/.test(item[2] ?? '')) {
      return { ...base, kind: 'key', keyPath: parents, valueText: '' };
    }
    return { ...base, kind: 'value', keyPath: parents, valueText: item[2] ?? '' };
  }
  return undefined;
}

/** The key under the cursor when it is on a `key:` token, with its parents. */
export function keyAt(
  text: string,
  line: number,
  character: number,
): { keyPath: string[]; start: number; end: number } | undefined {
  const fm = frontMatterLines(text);
  if (!fm || line <= 0 || line >= fm.close) return undefined;
  const lineText = fm.lines[line] ?? '';
  const m = KEY_LINE.exec(lineText);
  if (!m) return undefined;
  const start = m[1]!.length + (m[2]?.length ?? 0);
  const end = start + m[3]!.length;
  if (character < start || character > end) return undefined;
  const parents = parentKeys(fm.lines, line, m[2] ? m[1]!.length + 1 : m[1]!.length);
  return { keyPath: [...parents, m[3]!], start, end };
}
