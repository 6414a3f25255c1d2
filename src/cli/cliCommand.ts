export interface CliCommand {
  name: string;
  summary: string;
  /** Returns the process exit code. Throw AgentOsError for expected failures (printed as one line). */
  run(args: string[]): Promise<number>;
}
