// Whether a process still runs: how lock holders and temp-file writers that died are told apart from
// live ones (a kill leaves their files behind).

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
