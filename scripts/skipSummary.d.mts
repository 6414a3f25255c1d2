// Types of skipSummary.mjs for the TypeScript tests (the runner itself is plain JavaScript so that it runs
// before anything is built).
export interface RecordedSkip {
  file: string;
  name: string;
  reason: string;
}
export interface NotRun {
  reason: string;
  files: string[];
}
export function skipSummary(skips: RecordedSkip[], notRun: NotRun[], root: string): string[];
