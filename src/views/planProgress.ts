// The plan as a checklist: each step's state from what the log has. Today that is the Planner's plan
// (`agent_os.plan_submitted`) and the shell runs of each step's validation command after it; the
// supervision work (issue 14) adds runtime-run validations and step states as events — they feed the
// same `StepRun` list (`runsByStep`), so the states below stay the one place that decides.
import type { CommandRun, PlanStepView, StepState } from '../shared/overviewProtocol.ts';

export interface PlanStepInput {
  id: string;
  title: string;
  description: string;
  files: string[];
  validation: string;
}

export interface ReadPlan {
  summary: string;
  confidence?: string;
  questions: string[];
  steps: PlanStepInput[];
}

/** A plan read leniently: the event's `plan` is the Planner's JSON, checked when it was submitted
 * (planSchema.ts) but older logs and other agents' plans may lack fields; what is missing is empty. */
export function readPlan(plan: unknown): ReadPlan {
  const p = record(plan);
  const steps = Array.isArray(p['steps']) ? p['steps'] : [];
  const out: ReadPlan = {
    summary: str(p['summary']),
    questions: readQuestions(p['questions'] ?? p['open_questions']),
    steps: steps.map((raw, i) => {
      const s = record(raw);
      const description = str(s['description']);
      return {
        id: s['id'] === undefined ? String(i + 1) : String(s['id']),
        title: str(s['title']) || firstLine(description) || `Step ${i + 1}`,
        description,
        files: Array.isArray(s['files']) ? s['files'].filter((f): f is string => typeof f === 'string') : [],
        validation: str(s['validation']).trim(),
      };
    }),
  };
  const confidence = p['confidence'];
  if (typeof confidence === 'number' && Number.isFinite(confidence)) {
    out.confidence = confidence <= 1 ? `${Math.round(confidence * 100)}%` : String(confidence);
  } else if (typeof confidence === 'string' && confidence.trim()) out.confidence = confidence.trim();
  return out;
}

/** The same command as far as a person is concerned: whitespace runs do not make another command. */
export function sameCommand(a: string, b: string): boolean {
  return normalizeCommand(a) === normalizeCommand(b);
}

export function normalizeCommand(c: string): string {
  return c.trim().replace(/\s+/g, ' ');
}

/**
 * Steps with their states. `runsByStep` holds, per step id, the runs of its validation in log order.
 * `working`: the session is running the plan now, so the first step not yet passed is under way.
 */
export function stepViews(
  plan: ReadPlan,
  runsByStep: ReadonlyMap<string, readonly CommandRun[]>,
  working: boolean,
): PlanStepView[] {
  let underWay = working;
  return plan.steps.map((step) => {
    const runs = runsByStep.get(step.id) ?? [];
    const latest = runs.at(-1);
    let state: StepState;
    if (!latest) state = 'pending';
    else if (latest.ok === null) state = 'running';
    else state = latest.ok ? 'passed' : 'failed';
    if (state !== 'passed' && underWay) {
      if (state === 'pending') state = 'running';
      underWay = false;
    }
    const view: PlanStepView = { ...step, state, attempts: runs.length };
    if (latest) view.latest = latest;
    return view;
  });
}

function readQuestions(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((q) => (typeof q === 'string' ? q : str(record(q)['question'] ?? record(q)['text'])))
    .filter((q) => q.trim() !== '');
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]?.trim() ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
