// The verdict gate: an APPROVE counts only when the runtime has itself run the repository's full test
// command at the verdict's head commit, in the Reviewer's clean room, and it exited 0. The run is an
// `agent_os.validation_run` (purpose `test_suite`) tied to the Reviewer's turn; the verdict's evidence names
// it. An APPROVE over a failing run is not recorded as a verdict: it goes back to the Reviewer with the output.
import type { EventInput, EventOfType, SessionEvent, SuiteRunSummary } from '../events/sessionEvent.ts';
import { runFields, runWords, type CommandRunResult } from './planSteps.ts';

type ValidationRun = EventOfType<'agent_os.validation_run'>;

export type SuiteRunInput = Extract<EventInput, { type: 'agent_os.validation_run' }>;

export function suiteRunEvent(
  threadId: string,
  modelRequestEndId: string,
  commit: string,
  run: CommandRunResult,
): SuiteRunInput {
  return {
    type: 'agent_os.validation_run',
    thread: threadId,
    purpose: 'test_suite',
    ...runFields(run),
    commit,
    verdict_model_request_end_id: modelRequestEndId,
  };
}

/** The suite run already recorded for a Reviewer's turn (the hook is asked again after a crash). */
export function suiteRunOf(events: readonly SessionEvent[], modelRequestEndId: string): ValidationRun | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as SessionEvent;
    if (
      e.type === 'agent_os.validation_run' &&
      e.purpose === 'test_suite' &&
      e.verdict_model_request_end_id === modelRequestEndId
    )
      return e;
  }
  return undefined;
}

export function suiteSummary(run: ValidationRun): SuiteRunSummary {
  return {
    event_id: run.id,
    command: run.command,
    exit_code: run.exit_code,
    duration_ms: run.duration_ms,
    ...(run.passed !== undefined ? { passed: run.passed } : {}),
    ...(run.failed !== undefined ? { failed: run.failed } : {}),
  };
}

/** What the Reviewer is told when its APPROVE is not accepted. */
export function suiteRefusal(
  run: Pick<ValidationRun, 'command' | 'exit_code' | 'duration_ms' | 'passed' | 'failed' | 'output_tail' | 'commit'>,
): string {
  return [
    `Your APPROVE was not accepted. The runtime ran the repository's test command itself, \`${run.command}\`, in your clean room at commit ${run.commit?.slice(0, 12) ?? 'the head'}: ${runWords(run)}.`,
    ...(run.output_tail ? ['Output (last lines):', run.output_tail] : []),
    'An APPROVE counts only when this run passes. Look at the failures and give your verdict again: REJECT with the fixes they call for (an APPROVE over a failing suite is sent back again).',
  ].join('\n');
}
