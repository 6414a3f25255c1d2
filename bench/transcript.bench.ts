// What a model request pays to build its thread's transcript, on a long thread: extended by the events
// since the previous request (TranscriptBuilder, what the harness does) against rebuilt from the thread's
// first event (what it did before: the cost of a request grew with the thread, its turns quadratic).
// The thread is the realistic record mix (test/session/realisticEvents.ts), one thread's half of it.
import type { SessionEvent } from '../src/core/events/sessionEvent.ts';
import { TranscriptBuilder, buildTranscript } from '../src/core/harness/threadContext.ts';
import { agentCycle } from '../test/session/realisticEvents.ts';
import { times } from './support/reference.ts';

const TURNS = 2000;
const MEASURED = 200;

function longThread(): SessionEvent[] {
  const events: SessionEvent[] = [];
  let seq = 0;
  for (let i = 0; i < TURNS * 2; i += 2) {
    for (const input of agentCycle(i)) {
      seq++;
      const id = input.type === 'agent.tool_use' ? `sevt_use${i}` : `sevt_${seq}`;
      events.push({ ...input, id, seq, processed_at: new Date(0).toISOString() } as unknown as SessionEvent);
    }
  }
  return events;
}

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function main(): void {
  const thread = longThread();
  const perTurn = thread.length / TURNS;
  const builder = new TranscriptBuilder();
  const growing: SessionEvent[] = [];
  const extended: number[] = [];
  const rebuilt: number[] = [];
  for (let turn = 0; turn < TURNS; turn++) {
    for (let k = 0; k < perTurn; k++) growing.push(thread[turn * perTurn + k] as SessionEvent);
    const measured = turn >= TURNS - MEASURED;
    let start = performance.now();
    builder.update(growing);
    if (measured) extended.push(performance.now() - start);
    if (measured) {
      start = performance.now();
      buildTranscript(growing);
      rebuilt.push(performance.now() - start);
    }
  }
  const ext = median(extended);
  const full = median(rebuilt);
  const write = (name: string, value: string): void => void process.stdout.write(`${name}: ${value}\n`);
  write(
    `transcript of a model request at turn ${TURNS} of a thread (${thread.length} events), extended, median`,
    `${ext.toFixed(3)} ms`,
  );
  write("  the same transcript rebuilt from the thread's first event, median", `${full.toFixed(3)} ms`);
  write('  extended vs rebuilt', `${times(full / ext)} faster`);
}

main();
