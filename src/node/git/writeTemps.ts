// The file tools write a file whole through a sibling temp file that is then renamed over it (the SDK's
// atomicWriteFile names it `.tmp-<pid>-<uuid>`). A tool server killed between the two — a crash, a kill of
// the harness's process group — leaves that temp behind in the session's worktree. It is nobody's work, so
// what the runtime records of the worktree (the verdict's diff, the commit of the pull request) leaves it
// out: every `git add -A` of ours takes this pathspec.
export const WRITE_TEMP_GLOB = '.tmp-[0-9]*-????????-????-????-????-????????????';

/** `git add -A` arguments for the whole worktree but the file tools' temps, in any folder. */
export function addAllButWriteTemps(): string[] {
  return ['add', '-A', '--', '.', `:(exclude,glob)**/${WRITE_TEMP_GLOB}`];
}
