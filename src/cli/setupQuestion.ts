// The terminal's way of confirming a set-up that asks (detected, or where nothing confines): the findings and commands are shown once, the person
// answers, and the answer is remembered per repository. Without a terminal, only --accept-setup confirms.
// Set-up output is printed line by line as it streams.
import { createInterface } from 'node:readline/promises';
import { printErr } from './terminalOutput.ts';

export function askOnTerminal(description: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // The description's first line says why it asks (detected, or unconfined).
  printErr(`Agent OS: ${description.replace(/\n/g, '\n  ')}\n`);
  return rl.question('Run this set-up (remembered for this repository)? [y/N] ').then(
    (answer) => {
      rl.close();
      return /^y(es)?$/i.test(answer.trim());
    },
    () => {
      rl.close();
      return false;
    },
  );
}

/** Confirms a set-up that asks from the flag, else on the terminal when there is one, else not at all. */
export function setupConfirmation(acceptSetup: boolean | undefined): (description: string) => Promise<boolean> {
  if (acceptSetup) return async () => true;
  if (process.stdin.isTTY) return askOnTerminal;
  return async () => false;
}

/** Whole lines from output that arrives in chunks, so each printed line can carry a prefix. */
export function outputLines(line: (text: string) => void): { write(chunk: string): void; flush(): void } {
  let pending = '';
  return {
    write(chunk) {
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() ?? '';
      for (const p of parts) line(p);
    },
    flush() {
      if (pending) line(pending);
      pending = '';
    },
  };
}
