// The registry of subcommands. Each lives in its own module under src/cli/.
import type { Command } from './command.js';

export const commands: readonly Command[] = [];
