// The plan as a checklist: each step's state, title, files, validation command, attempts and the
// latest validation result, with the Planner's confidence and questions when the plan has them.
import type { CommandRun, PlanStepView, PlanView, StepState } from '../../shared/overviewProtocol.ts';
import { eventLink, h, icon } from './dom.ts';

const STATE_ICON: Record<StepState, string> = {
  pending: 'circle-large-outline',
  running: 'sync codicon-modifier-spin',
  passed: 'pass-filled',
  failed: 'error',
};

export function renderChecklist(plan: PlanView | undefined, open: (seq: number) => void): HTMLElement {
  const section = h('section', { class: 'section plan', 'aria-labelledby': 'plan-heading' });
  section.append(h('h2', { id: 'plan-heading' }, icon('checklist'), ' Plan'));
  if (!plan) {
    section.append(h('p', { class: 'muted' }, 'No plan yet: the Planner has not submitted one.'));
    return section;
  }
  const done = plan.steps.filter((s) => s.state === 'passed').length;
  section.append(
    h(
      'p',
      { class: 'plan-summary' },
      plan.summary,
      ' ',
      eventLink(
        `${done} of ${plan.steps.length} steps passed${plan.revision > 1 ? ` · plan revision ${plan.revision}` : ''}`,
        plan.seq,
        open,
        'Open the plan in the Event Log',
      ),
    ),
  );
  const meta = h('p', { class: 'plan-meta' });
  meta.append(
    plan.confidence !== undefined ? `Planner's confidence: ${plan.confidence}.` : 'The plan states no confidence.',
  );
  section.append(meta);
  if (plan.questions.length) {
    section.append(
      h('h3', {}, 'Open questions'),
      h('ul', { class: 'questions' }, ...plan.questions.map((q) => h('li', {}, q))),
    );
  }
  const list = h('ol', { class: 'steps', 'aria-label': 'Plan steps' });
  for (const step of plan.steps) list.append(renderStep(step, open));
  section.append(list);
  return section;
}

function renderStep(step: PlanStepView, open: (seq: number) => void): HTMLElement {
  const li = h('li', {
    class: `step state-${step.state}`,
    'data-step': step.id,
    'data-state': step.state,
    'aria-label': `Step ${step.id}, ${step.state}: ${step.title}`,
  });
  const head = h(
    'div',
    { class: 'step-head' },
    icon(STATE_ICON[step.state], step.state),
    h('span', { class: 'step-title' }, `${step.id}. ${step.title}`),
    h('span', { class: `badge state-${step.state}` }, step.state),
    h('span', { class: 'muted' }, `${step.attempts} attempt${step.attempts === 1 ? '' : 's'}`),
  );
  li.append(head);
  if (step.description && step.description !== step.title)
    li.append(h('p', { class: 'step-description' }, step.description));
  const facts = h('dl', { class: 'facts' });
  if (step.files.length)
    facts.append(h('dt', {}, 'Files'), h('dd', {}, ...step.files.flatMap((f, i) => [i ? ' ' : '', h('code', {}, f)])));
  facts.append(
    h('dt', {}, 'Validation'),
    h(
      'dd',
      {},
      step.validation ? h('code', { class: 'command' }, step.validation) : h('span', { class: 'muted' }, 'none given'),
    ),
  );
  facts.append(
    h('dt', {}, 'Latest run'),
    h('dd', {}, step.latest ? runSummary(step.latest, open) : h('span', { class: 'muted' }, 'not run yet')),
  );
  li.append(facts);
  if (step.latest?.outputTail) {
    li.append(
      h(
        'details',
        { class: 'output' },
        h('summary', {}, 'Output (last lines)'),
        h('pre', { class: 'terminal' }, step.latest.outputTail),
      ),
    );
  }
  return li;
}

/** "exit 0 · 4 passed, 0 failed · Open run" for a command run. */
export function runSummary(run: CommandRun, open: (seq: number) => void): HTMLElement {
  const parts: (Node | string)[] = [];
  if (run.ok === null) parts.push(h('span', { class: 'running' }, 'running…'));
  else
    parts.push(
      h(
        'span',
        { class: run.ok ? 'ok' : 'fail' },
        run.exitCode === null ? (run.ok ? 'passed' : 'failed (no exit code)') : `exit ${run.exitCode}`,
      ),
    );
  if (run.passed !== undefined || run.failed !== undefined)
    parts.push(' · ', `${run.passed ?? 0} passed, ${run.failed ?? 0} failed`);
  parts.push(' · ', eventLink('Open run', run.seq, open, `Open the run of ${run.command} in the Event Log`));
  return h('span', { class: 'run' }, ...parts);
}
