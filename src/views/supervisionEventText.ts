// How the runtime's supervision events read (plan steps, its own validation and test runs, loops, project
// memory), for the Event Log and the CLI alike. Kept beside eventRows.ts, which hands these events here.
import type { EventOfType, SuiteRunSummary } from '../core/events/sessionEvent.ts';
import { runWords } from '../core/pipeline/planSteps.ts';

export type SupervisionEvent = EventOfType<
  | 'agent_os.step_updated'
  | 'agent_os.validation_run'
  | 'agent_os.loop_detected'
  | 'agent_os.project_memory'
  | 'agent_os.questions_asked'
  | 'agent_os.questions_answered'
  | 'agent.thread_context_compacted'
  | 'agent_os.preferences_pinned'
  | 'agent_os.preferences_learned'
  | 'agent_os.checkpoint'
  | 'agent_os.session_forked'
>;

export function describeSupervisionEvent(e: SupervisionEvent): { title: string; body?: string; isError?: boolean } {
  switch (e.type) {
    case 'agent_os.step_updated':
      return {
        title: `Step ${e.step_id}: ${e.state}${e.attempts > 0 ? ` (attempt ${e.attempts} of ${e.max_attempts})` : ''}`,
        isError: e.state === 'failed',
      };
    case 'agent_os.validation_run': {
      const what =
        e.purpose === 'step'
          ? `Validation of step ${e.step_id ?? '?'}${e.attempt ? `, attempt ${e.attempt}` : ''}`
          : `Test suite at ${e.commit?.slice(0, 12) ?? 'the head'}`;
      return {
        title: `${what} (run by Agent OS): ${e.command} — ${runWords(e)}`,
        body: e.output_tail,
        isError: e.exit_code !== 0,
      };
    }
    case 'agent_os.loop_detected':
      return { title: `Loop detected: thread stopped (${e.reason.replace(/_/g, ' ')})`, body: e.detail, isError: true };
    case 'agent_os.questions_asked':
      return {
        title: `The Planner asks you before the Coder starts (${e.reason === 'low_confidence' ? 'low confidence' : e.reason === 'always' ? 'you asked to be asked' : 'open questions'}): ${e.questions[0] ?? ''}`,
        body: e.questions.map((q, i) => `${i + 1}. ${q}`).join('\n'),
      };
    case 'agent_os.preferences_pinned':
      return { title: `Your preferences for this repository, version ${e.version}, given to the agents`, body: e.text };
    case 'agent_os.preferences_learned':
      if (e.version === undefined)
        return {
          title: `Preferences: nothing lasting learned from ${e.considered_event_ids?.length ?? 0} correction(s)`,
        };
      return {
        title: `Learned from corrections (preferences version ${e.version}): ${e.lines.map((l) => l.text).join('; ')}`,
        body: e.lines.map((l) => `- ${l.text} (from ${l.source_event_id})`).join('\n'),
      };
    case 'agent_os.checkpoint':
      return {
        title: e.thread_key
          ? `Thread ${e.thread_key}'s work ${e.moved ? 'merged into' : 'had nothing new for'} the session branch: ${e.commit.slice(0, 12)}`
          : `The Coder's work ${e.moved ? 'committed on' : 'left nothing to commit on'} the session branch: ${e.commit.slice(0, 12)}`,
      };
    case 'agent_os.session_forked':
      return {
        title: `Forked from session ${e.from_session_id} at event ${e.from_seq}; files at ${e.files_commit.slice(0, 12)}${e.unrecorded_tool_use_ids.length ? ` (${e.unrecorded_tool_use_ids.length} later call(s) that may have changed files are not in them)` : ''}`,
        ...(e.unrecorded_tool_use_ids.length
          ? { body: `Not in the files: ${e.unrecorded_tool_use_ids.join(', ')}` }
          : {}),
      };
    case 'agent.thread_context_compacted':
      return {
        title: `Context compacted (about ${e.pre_compaction_tokens} tokens before): earlier tool results cleared, a summary in their place`,
        body: e.summary,
      };
    case 'agent_os.questions_answered':
      return { title: 'You answered the Planner', body: e.answers.map((a, i) => `${i + 1}. ${a}`).join('\n') };
    case 'agent_os.project_memory':
      return {
        title: `Project memory: ${e.files.length ? e.files.map((f) => f.path).join(', ') : 'none'}`,
        ...(e.files.length
          ? {
              body: e.files
                .map(
                  (f) => `${f.path} (${f.bytes} bytes${f.truncated ? ', cut' : ''}, sha256 ${f.sha256.slice(0, 12)})`,
                )
                .join('\n'),
            }
          : {}),
      };
  }
}

/** One line on the runtime's own test run behind a verdict. */
export function suiteRunLine(suite: SuiteRunSummary | undefined, note?: string): string {
  if (!suite) return `Agent OS ran no test suite for this verdict${note ? `: ${note}` : ''}`;
  return `Agent OS ran \`${suite.command}\` at the head: ${runWords(suite)}`;
}
