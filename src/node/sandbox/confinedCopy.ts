// Agent OS's own copy of files between a host folder and an agent's files (the dependency cache into a
// sandbox, a set-up's results into the cache, the named files an environment copies), run confined like its
// git (sessionGit.ts), never as host file operations on paths an agent can change.
//
// Only the destination is writable; the source is bound read-only (`readable`), so nothing done to a copy can
// change what it came from: each sandbox gets files of its own (reflinked where the file system can, copied
// elsewhere), never a link to the cache. Inside the OS sandbox a symbolic link an agent planted resolves in
// the sandbox, where nothing of the person's is visible or writable. Where nothing confines (the unconfined
// kind, with consent for every agent command) the script itself does not follow links: it enters each
// folder one at a time, refusing a link and checking where it ended up, then works relative to that folder;
// the copy is made in a fresh folder of Agent OS's own and renamed into place.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { AgentOsError, InvalidArgumentError } from '../../core/errors.ts';
import type { ConfinedCopyRequest, ConfinedCopyResult } from '../../core/sandbox/sessionChanges.ts';
import type { Confinement, ConfinementScope } from './confinement.ts';
import { runConfined } from './sessionGit.ts';

/** The script: $AOS_FROM, $AOS_PATHS (one per line), and $AOS_STAGE where the copy is staged outside `to`. */
const COPY = `set -u -f
CDPATH=
root=$(pwd -P) || exit 2
if cp --version >/dev/null 2>&1; then
  copy() { cp -R --no-dereference --preserve=mode,timestamps,links --reflink=auto -- "$1" "$2"; }
  put() { mv -T -- "$1" "$2"; }
else
  copy() { cp -pPRc -- "$1" "$2" 2>/dev/null || { rm -rf -- "$2"; cp -pPR -- "$1" "$2"; }; }
  put() { mv -- "$1" "$2"; }
fi
# enter BASE REL make|no: into BASE/REL one folder at a time, never through a symbolic link.
enter() {
  cd -P -- "$1" 2>/dev/null || { why="its folder cannot be entered"; return 1; }
  local base part sofar=; base=$(pwd -P)
  [ -n "$2" ] || return 0
  local IFS=/
  for part in $2; do
    sofar=\${sofar:+$sofar/}$part
    if [ -L "$part" ]; then why="$sofar is a symbolic link"; return 1; fi
    if [ ! -e "$part" ]; then
      [ "$3" = make ] || { why=missing; return 1; }
      mkdir -- "$part" 2>/dev/null || { why="$sofar cannot be made"; return 1; }
    fi
    [ -d "$part" ] || { why="$sofar is not a folder"; return 1; }
    cd -P -- "$part" 2>/dev/null || { why="$sofar cannot be entered"; return 1; }
  done
  [ "$(pwd -P)" = "$base/$2" ] || { why="$2 moved while it was entered"; return 1; }
}
status=0
while IFS= read -r rel; do
  [ -n "$rel" ] || continue
  case $rel in */*) parent=\${rel%/*} name=\${rel##*/} ;; *) parent= name=$rel ;; esac
  if ! enter "$root" "$parent" make; then printf 'skipped\\t%s\\t%s\\n' "$rel" "$why"; continue; fi
  here=$(pwd -P)
  if [ -n "\${AOS_STAGE:-}" ]; then s=$(mktemp -d "$AOS_STAGE/copy.XXXXXX") || s=
  else s=$(mktemp -d .agent-os-copy.XXXXXX) && s=$here/$s || s=; fi
  if [ -z "$s" ]; then printf 'failed\\t%s\\t%s\\n' "$rel" "no folder to copy into could be made"; status=1; continue; fi
  ( if ! enter "$AOS_FROM" "$parent" no; then [ "$why" = missing ] && exit 3; echo "$why" >&2; exit 4; fi
    [ -e "$name" ] || [ -L "$name" ] || exit 3
    copy "./$name" "$s/$name" ) 2>"$s.err"
  rc=$?
  if [ $rc -ne 0 ]; then
    err=$(tail -n 3 -- "$s.err" | tr '\\n\\t' '  ')
    rm -rf -- "$s" "$s.err"
    if [ $rc -eq 3 ]; then printf 'missing\\t%s\\n' "$rel"; else printf 'failed\\t%s\\t%s\\n' "$rel" "$err"; status=1; fi
    continue
  fi
  rm -f -- "$s.err"
  old=
  if [ -e "$name" ] || [ -L "$name" ]; then
    old=.agent-os-old.$$.$RANDOM
    if ! put "$name" "$old" 2>/dev/null; then rm -rf -- "$s"; printf 'failed\\t%s\\t%s\\n' "$rel" "what is there cannot be moved aside"; status=1; continue; fi
  fi
  if ! err=$(put "$s/$name" "$name" 2>&1); then rm -rf -- "$s"; printf 'failed\\t%s\\t%s\\n' "$rel" "$err"; status=1; continue; fi
  rmdir -- "$s" 2>/dev/null
  [ -z "$old" ] || rm -rf -- "$old"
  printf 'copied\\t%s\\n' "$rel"
done <<AOS_END
$AOS_PATHS
AOS_END
exit $status
`;

/** What a copy killed mid-way leaves beside the folder it was replacing (inside the OS sandbox it is made
 * there, so that the rename into place stays on one mount); cleared confined when a session is recovered. */
export const CLEAR_COPY_LEFTOVERS = `find . -maxdepth 4 \\( -name .git -o -name node_modules -o -name .venv \\) -prune -o \\( -name '.agent-os-copy.*' -o -name '.agent-os-old.*' \\) -prune -exec rm -rf {} + 2>/dev/null || true`;

/** A path the copy accepts: relative, inside, one line, not into git's own folder. */
export function checkCopyPath(rel: string): string {
  const parts = rel.split('/');
  if (
    !rel ||
    rel.startsWith('/') ||
    /[\n\r\0\\]/.test(rel) ||
    parts.some((p) => p === '' || p === '.' || p === '..') ||
    parts[0] === '.git'
  ) {
    throw new InvalidArgumentError(`not a path Agent OS copies: ${JSON.stringify(rel)}`);
  }
  return rel;
}

/** Copies `paths` from `request.from` into `request.to`, confined in `scope` (its workdir becomes `to`). */
export async function confinedCopy(
  confinement: Confinement,
  scope: ConfinementScope,
  request: ConfinedCopyRequest,
): Promise<ConfinedCopyResult> {
  const paths = request.paths.map(checkCopyPath);
  const result: ConfinedCopyResult = { copied: [], missing: [], skipped: [] };
  if (paths.length === 0) return result;
  // Unconfined, the copy is staged in a folder of Agent OS's own (no agent knows it) and renamed into place.
  if (confinement.kind === 'none') await mkdir(scope.scratchHome, { recursive: true });
  const stage = confinement.kind === 'none' ? await mkdtemp(path.join(scope.scratchHome, 'copy-')) : undefined;
  try {
    const run = await runConfined(
      confinement,
      { ...scope, workdir: request.to, writable: true, readable: [...(scope.readable ?? []), request.from] },
      COPY,
      { AOS_FROM: request.from, AOS_PATHS: paths.join('\n'), ...(stage ? { AOS_STAGE: stage } : {}) },
    );
    const failed: string[] = [];
    for (const line of run.stdout.toString('utf8').split('\n')) {
      const [what, rel, reason] = line.split('\t');
      if (!rel) continue;
      if (what === 'copied') result.copied.push(rel);
      else if (what === 'missing') result.missing.push(rel);
      else if (what === 'skipped') result.skipped.push({ path: rel, reason: reason ?? '' });
      else if (what === 'failed') failed.push(`${rel}: ${reason ?? ''}`);
    }
    if (run.code !== 0 || failed.length > 0) {
      throw new AgentOsError(
        'SANDBOX_UNAVAILABLE',
        `copying ${paths.join(', ')} into ${request.to} failed: ${failed.join('; ') || run.stderr.trim().split('\n').slice(-3).join(' ') || `exit ${run.code}`}`,
      );
    }
    return result;
  } finally {
    if (stage) await rm(stage, { recursive: true, force: true });
  }
}
