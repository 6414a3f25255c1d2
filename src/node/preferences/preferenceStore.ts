// The person's preferences for one repository, learned from their corrections and kept as a Markdown
// document with versions: `<store>/.preferences/<repository key>/preferences.md` is the one to read and edit;
// each version the runtime saw is kept beside it as `v<N>.md`. A line's provenance (the session and the
// event that taught it) rides in an HTML comment at its end. An edit by the person is taken as a new version
// the next time a session pins the preferences.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { StateConflictError } from '../../core/errors.ts';

export interface PreferenceLine {
  text: string;
  sessionId: string;
  eventId: string;
}

export interface PreferencesVersion {
  version: number;
  text: string;
}

/** One preference of the document as the person sees it: its line, its text, and where it was learned. */
export interface PreferenceEntry {
  /** 0-based line number in the document. */
  line: number;
  text: string;
  sessionId?: string;
  eventId?: string;
}

export interface PreferencesDocument {
  file: string;
  /** The latest saved version (an edit not yet taken as a version is in `lines` already). */
  version?: number;
  lines: PreferenceEntry[];
}

/** The store of preference documents kept beside a session store. */
export function preferenceStoreOf(storeDir: string): PreferenceStore {
  return new PreferenceStore(path.join(storeDir, '.preferences'));
}

const HEADER =
  "# Preferences\n\nLearned by Agent OS from your corrections and the Reviewer's rejections; edit freely. Each line says where it came from.\n\n";

export class PreferenceStore {
  constructor(private readonly dir: string) {}

  /** The editable document of a repository. */
  fileOf(repository: string): string {
    return path.join(this.folderOf(repository), 'preferences.md');
  }

  /** The current version: the latest saved, or the person's edit of it (saved now as the next version). */
  async current(repository: string): Promise<PreferencesVersion | undefined> {
    const latest = await this.latest(repository);
    const working = await readFile(this.fileOf(repository), 'utf8').catch(() => undefined);
    if (working === undefined) return latest;
    if (latest && latest.text === working) return latest;
    return this.save(repository, working, (latest?.version ?? 0) + 1);
  }

  /** The document as it is now, read without making a version, as a list of preferences. */
  async document(repository: string): Promise<PreferencesDocument> {
    const latest = await this.latest(repository);
    const working = await readFile(this.fileOf(repository), 'utf8').catch(() => undefined);
    const text = working ?? latest?.text ?? '';
    return {
      file: this.fileOf(repository),
      ...(latest ? { version: latest.version } : {}),
      lines: preferenceEntries(text),
    };
  }

  /** Makes the editable document exist (the latest version, or an empty one) so the person can open it. */
  async ensureDocument(repository: string): Promise<string> {
    const file = this.fileOf(repository);
    if ((await readFile(file, 'utf8').catch(() => undefined)) === undefined) {
      await mkdir(this.folderOf(repository), { recursive: true });
      await writeFile(file, (await this.latest(repository))?.text ?? HEADER, { flag: 'wx' }).catch(() => undefined);
    }
    return file;
  }

  /** Deletes one preference — the line the person saw, with the text they saw — as the next version. */
  async removeLine(repository: string, line: number, text: string): Promise<PreferencesVersion> {
    const current = await this.current(repository);
    const lines = (current?.text ?? '').split('\n');
    const entry = preferenceEntries(current?.text ?? '').find((e) => e.line === line);
    if (!current || !entry || entry.text !== text) {
      throw new StateConflictError(
        `the preferences changed since they were shown: "${text}" is no longer line ${line + 1}; refresh and try again`,
      );
    }
    lines.splice(line, 1);
    return this.save(repository, lines.join('\n'), current.version + 1);
  }

  /** Adds learned lines as a new version. */
  async learn(repository: string, lines: readonly PreferenceLine[]): Promise<PreferencesVersion | undefined> {
    if (lines.length === 0) return undefined;
    const base = (await this.current(repository))?.text ?? HEADER;
    const known = new Set(base.split('\n').map((l) => stripProvenance(l)));
    const fresh = lines.filter((l) => !known.has(`- ${l.text}`));
    if (fresh.length === 0) return undefined;
    const text = `${base.trimEnd()}\n${fresh.map((l) => `- ${l.text} <!-- from session ${l.sessionId}, event ${l.eventId} -->`).join('\n')}\n`;
    const version = ((await this.latest(repository))?.version ?? 0) + 1;
    return this.save(repository, text, version);
  }

  private async save(repository: string, text: string, version: number): Promise<PreferencesVersion> {
    const folder = this.folderOf(repository);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, `v${version}.md`), text);
    await writeFile(this.fileOf(repository), text);
    return { version, text };
  }

  private async latest(repository: string): Promise<PreferencesVersion | undefined> {
    const folder = this.folderOf(repository);
    const names = await readdir(folder).catch(() => [] as string[]);
    const versions = names
      .map((n) => /^v(\d+)\.md$/.exec(n)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    if (versions.length === 0) return undefined;
    const version = Math.max(...versions);
    return { version, text: await readFile(path.join(folder, `v${version}.md`), 'utf8') };
  }

  private folderOf(repository: string): string {
    return path.join(this.dir, createHash('sha256').update(path.resolve(repository)).digest('hex').slice(0, 16));
  }
}

/** The document's list items, with the provenance comment each learned line carries. */
export function preferenceEntries(text: string): PreferenceEntry[] {
  const out: PreferenceEntry[] = [];
  text.split('\n').forEach((raw, line) => {
    const item = /^\s*[-*]\s+(.*)$/.exec(raw);
    if (!item) return;
    const from = /<!--\s*from session (\S+), event (\S+?)\s*-->\s*$/.exec(raw);
    const entry = stripProvenance(item[1] as string);
    if (entry)
      out.push({ line, text: entry, ...(from ? { sessionId: from[1] as string, eventId: from[2] as string } : {}) });
  });
  return out;
}

function stripProvenance(line: string): string {
  return line.replace(/\s*<!--.*-->\s*$/, '').trim();
}
