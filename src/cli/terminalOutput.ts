// The only way the CLI writes to its stdout and stderr. Much of what it prints came from a model or a
// tool (messages, command output, error texts, issue titles), so every write goes through
// showControlCharacters: an escape sequence arrives on the person's terminal as visible text (`␛]0;…`),
// never as an instruction. JSON keeps its meaning and is escaped the JSON way instead.
import { escapeJsonControlCharacters, showControlCharacters } from '../views/controlCharacters.ts';

export function printOut(text: string): void {
  process.stdout.write(showControlCharacters(text));
}

export function printErr(text: string): void {
  process.stderr.write(showControlCharacters(text));
}

/** One line on stdout. */
export function printLine(line: string): void {
  printOut(`${line}\n`);
}

/** JSON text (one value, or JSON lines) on stdout, exactly what `JSON.parse` reads back. */
export function printJsonText(json: string): void {
  process.stdout.write(escapeJsonControlCharacters(json));
}

/** A prompt for readline's `question`, which writes it to the terminal itself. */
export function promptText(text: string): string {
  return showControlCharacters(text);
}
