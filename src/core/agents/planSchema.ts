// The Planner's output: steps small enough to check, each with the shell command that proves it done.
import { z } from 'zod';

export const PlanStepSchema = z.object({
  // Models often number steps; ids are compared as text.
  id: z.union([z.string().min(1), z.number().int()]).transform(String),
  title: z.string().min(1),
  description: z.string().min(1),
  files: z.array(z.string().min(1)),
  /** A shell command, run from the repository root, that exits 0 when the step is done. */
  validation: z.string().trim().min(1),
  /** How sure the Planner is that this step is right and enough (0–1). */
  confidence: z.number().min(0).max(1).optional(),
});
export type PlanStep = z.infer<typeof PlanStepSchema>;

export const PlanSchema = z
  .object({
    summary: z.string().min(1),
    steps: z.array(PlanStepSchema).min(1),
    /** How sure the Planner is of the plan as a whole (0–1). */
    confidence: z.number().min(0).max(1).optional(),
    /** What the Planner needs the person to answer before the work starts. */
    questions: z.array(z.string().min(1)).optional(),
  })
  .superRefine((plan, context) => {
    const seen = new Set<string>();
    plan.steps.forEach((step, i) => {
      if (seen.has(step.id))
        context.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `step id '${step.id}' is used twice` });
      seen.add(step.id);
    });
  });
export type Plan = z.infer<typeof PlanSchema>;

/** Shown to the Planner in its prompt and again with every schema error, so both say the same. */
export const PLAN_FORMAT = `{
  "summary": "one paragraph: what will change and why",
  "steps": [
    {
      "id": "1",
      "title": "short imperative title",
      "description": "what to change, precisely enough for another engineer",
      "files": ["path/relative/to/repo.ts"],
      "validation": "a shell command run from the repository root that exits 0 only when this step is done",
      "confidence": 0.9
    }
  ],
  "confidence": 0.9,
  "questions": ["only what you cannot find out from the repository and need the person to decide"]
}`;
