// Git-ignored files a project needs to run (`.env.test` and the like) are copied into a session's sandboxes
// only when the environment file names them — never silently — and never a secret: a file whose name says
// it holds credentials is refused, and in a copied file every line whose variable name or value looks like a
// secret is left out (the copy says how many). The host reads them from the person's repository and writes
// the cleaned text into a fresh folder of its own; the confined copy puts them into the sandbox's files, so a
// link an agent put in a named file's place is never written through.
import { mkdtemp, lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isSecretName } from '../sandbox/scrubbedEnv.ts';
import type { ConfinedCopier } from './dependencyCache.ts';
import { isSecretFileName, looksLikeSecretValue } from './secretText.ts';

export interface CopyReport {
  copied: string[];
  /** Files named but not copied, with the reason. */
  skipped: { path: string; reason: string }[];
  /** Lines left out of copied files because they looked like secrets. */
  redactedLines: number;
}

const MAX_FILE = 1024 * 1024;

/** Lines of a dotenv-style or config file without its secrets; `NAME=value`, `NAME: value` and
 * `export NAME=value` lines are judged by name and value, any other line by value. */
export function withoutSecrets(text: string): { text: string; removed: number } {
  let removed = 0;
  const kept = text.split('\n').filter((line) => {
    const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*)$/.exec(line);
    const secret = assignment
      ? isSecretName(assignment[1] as string) || looksLikeSecretValue(assignment[2] as string)
      : looksLikeSecretValue(line);
    if (secret) removed++;
    return !secret;
  });
  return { text: kept.join('\n'), removed };
}

export interface NamedFilesCopy {
  /** The person's repository, where the files are read. */
  from: string;
  /** A sandbox's files. */
  to: string;
  files: readonly string[];
  /** Where the host may make a folder of its own for the cleaned files (Agent OS's store). */
  stagingDir: string;
  copy: ConfinedCopier;
}

export async function copyNamedFiles(request: NamedFilesCopy): Promise<CopyReport> {
  const report: CopyReport = { copied: [], skipped: [], redactedLines: 0 };
  if (request.files.length === 0) return report;
  await mkdir(request.stagingDir, { recursive: true });
  const stage = await mkdtemp(path.join(request.stagingDir, 'files-'));
  try {
    const cleaned = await cleanNamedFiles(request.from, stage, request.files, report);
    const copied = await request.copy({ from: stage, to: request.to, paths: cleaned });
    report.copied.push(...copied.copied);
    report.skipped.push(...copied.skipped);
    return report;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Writes the named files of `from`, without their secrets, under `stage`; returns those written. */
async function cleanNamedFiles(
  from: string,
  stage: string,
  files: readonly string[],
  report: CopyReport,
): Promise<string[]> {
  const written: string[] = [];
  for (const name of files) {
    if (isSecretFileName(name)) {
      report.skipped.push({ path: name, reason: 'its name says it holds credentials' });
      continue;
    }
    const source = path.join(from, name);
    const stat = await lstat(source).catch(() => undefined);
    if (!stat) {
      report.skipped.push({ path: name, reason: 'it does not exist in the repository' });
      continue;
    }
    // A link could point anywhere on the machine (a home directory's keys): only plain files are copied.
    if (!stat.isFile()) {
      report.skipped.push({ path: name, reason: 'it is not a plain file' });
      continue;
    }
    if (stat.size > MAX_FILE) {
      report.skipped.push({ path: name, reason: `it is larger than ${MAX_FILE} bytes` });
      continue;
    }
    const content = await readFile(source);
    if (content.includes(0)) {
      report.skipped.push({ path: name, reason: 'it is a binary file, whose secrets cannot be told apart' });
      continue;
    }
    const clean = withoutSecrets(content.toString('utf8'));
    const target = path.join(stage, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, clean.text, { mode: stat.mode & 0o666 });
    written.push(name);
    report.redactedLines += clean.removed;
  }
  return written;
}
