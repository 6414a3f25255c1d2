// The Reviewer's output: APPROVE with a summary, or REJECT with fixes specific enough to act on.
import { z } from 'zod';

export const VerdictFixSchema = z.object({
  file: z.string().min(1).optional(),
  problem: z.string().min(1),
  fix: z.string().min(1),
});
export type VerdictFix = z.infer<typeof VerdictFixSchema>;

export const VerdictSchema = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('APPROVE'), summary: z.string().min(1) }),
  z.object({ decision: z.literal('REJECT'), summary: z.string().min(1), fixes: z.array(VerdictFixSchema).min(1) }),
]);
export type Verdict = z.infer<typeof VerdictSchema>;

/** Shown to the Reviewer in its prompt and again with every schema error. */
export const VERDICT_FORMAT = `{ "decision": "APPROVE", "summary": "what you checked and what you saw (test command and result)" }
or
{ "decision": "REJECT", "summary": "what is wrong overall",
  "fixes": [ { "file": "path/of/the/file.ts", "problem": "what is wrong, with evidence", "fix": "what to change" } ] }`;
