// The skip summary printed at the end of `npm test`: the skips the reporter recorded, grouped by reason
// (reasons start with what is missing: "bubblewrap: …", "Docker: …", "end-to-end: …"), with the files.
import { relative } from 'node:path';

/**
 * @param {{ file: string, name: string, reason: string }[]} skips
 * @param {{ reason: string, files: string[] }[]} notRun suites the runner left out (e.g. end-to-end without AGENT_OS_E2E)
 * @param {string} root paths are shown relative to it
 * @returns {string[]} the lines to print; empty when nothing was skipped
 */
export function skipSummary(skips, notRun, root) {
  const byReason = new Map();
  for (const { file, reason } of skips) {
    const entry = byReason.get(reason) ?? { tests: 0, files: new Set() };
    entry.tests += 1;
    if (file) entry.files.add(relative(root, file.replace(/^file:\/\//, '')));
    byReason.set(reason, entry);
  }
  const lines = [];
  for (const { reason, files } of notRun) {
    if (files.length)
      lines.push(
        `  ${reason}: ${files.length} file${files.length === 1 ? '' : 's'} not run (${files.map((f) => relative(root, f)).join(', ')})`,
      );
  }
  const ordered = [...byReason].sort(([a], [b]) => a.localeCompare(b));
  for (const [reason, { tests, files }] of ordered) {
    lines.push(`  ${reason}: ${tests} test${tests === 1 ? '' : 's'} skipped (${[...files].sort().join(', ')})`);
  }
  if (!lines.length) return [];
  const total = skips.length;
  const fileCount = notRun.reduce((n, s) => n + s.files.length, 0);
  const head = [
    total ? `${total} test${total === 1 ? '' : 's'} skipped` : '',
    fileCount ? `${fileCount} file${fileCount === 1 ? '' : 's'} not run` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return [`Skipped here (${head}) — what this machine lacks:`, ...lines];
}
