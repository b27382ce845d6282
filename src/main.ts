#!/usr/bin/env node
// Entry point: only dispatches to a subcommand, like kubebuilder's cmd/main.go. Each command module
// wires its own pieces; none of the logic lives here.
import { formatHelp, parseCommand, UsageError } from './cli/flags.js';
import type { CliIo, Command } from './cli/command.js';
import { commands } from './cli/commands.js';

function topLevelHelp(all: readonly Command[]): string {
  const width = Math.max(...all.map((c) => c.spec.name.length)) + 2;
  return [
    'rtmp-push-operator: keeps jocloud push-to-CDN tasks in step with RtmpPushTask resources.',
    '',
    'Usage: rtmp-push-operator <command> [flags]',
    '',
    'Commands:',
    ...all.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    'Run `rtmp-push-operator <command> --help` for the flags of a command.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topLevelHelp(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.spec.name === name);
  if (command === undefined) {
    io.stderr.write(`rtmp-push-operator: unknown command "${name}"\n\n${topLevelHelp(commands)}`);
    return 2;
  }
  try {
    const parsed = parseCommand(command.spec, rest, io.env);
    if (parsed.help) {
      io.stdout.write(formatHelp(command.spec));
      return 0;
    }
    return await command.run(parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${err.message}\nRun \`rtmp-push-operator ${name} --help\` for usage.\n`);
      return 2;
    }
    throw err;
  }
}

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`rtmp-push-operator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
