// The shape every subcommand module exports; main.ts dispatches on `spec.name`.
import type { CommandSpec, ParsedCommand } from './flags.js';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  readonly spec: CommandSpec;
  /** Resolves to the process exit code. Long-running commands resolve when they shut down. */
  run(args: ParsedCommand, io: CliIo): Promise<number>;
}
