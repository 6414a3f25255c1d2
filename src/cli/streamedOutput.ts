// Output of a whole session's events written as the log is read, a page at a time: a table whose columns
// are measured over every row first (a first pass over the log, keeping only the widths), and a JSON
// document whose last member is the events array, written event by event. The text is what one
// `table(...)` or `JSON.stringify(value, null, 2)` of everything would give.
import { showControlCharacters } from '../views/controlCharacters.ts';

/** Column widths over the header and every row, measured as the terminal will show them. */
export class ColumnWidths {
  readonly widths: number[];
  constructor(readonly header: readonly string[]) {
    this.widths = header.map((h) => h.length);
  }

  measure(row: readonly string[]): void {
    row.forEach((cell, i) => {
      this.widths[i] = Math.max(this.widths[i] ?? 0, showControlCharacters(cell).length);
    });
  }

  /** One line; the last column is not padded (free text that may be long). */
  line(cells: readonly string[]): string {
    return cells
      .map(showControlCharacters)
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(this.widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  }
}

/** `JSON.stringify({ ...head, [key]: items }, null, 2)`, written in parts through `write`. */
export async function writeJsonWithArray(
  head: Record<string, unknown>,
  key: string,
  items: AsyncIterable<readonly unknown[]>,
  write: (text: string) => void,
): Promise<void> {
  const open = JSON.stringify({ ...head, [key]: [] }, null, 2);
  // `…"key": []\n}` → `…"key": [` and the items, each indented as a member of a member.
  const cut = open.lastIndexOf('[]');
  let first = true;
  for await (const page of items) {
    const parts: string[] = [];
    for (const item of page) {
      parts.push(`${first ? '' : ','}\n    ${JSON.stringify(item, null, 2).replaceAll('\n', '\n    ')}`);
      if (first) write(open.slice(0, cut + 1));
      first = false;
    }
    if (parts.length > 0) write(parts.join(''));
  }
  write(first ? `${open}\n` : `\n  ]${open.slice(cut + 2)}\n`);
}
