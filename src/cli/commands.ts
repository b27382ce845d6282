// The registry of subcommands. Each lives in its own module under src/cli/.
import type { Command } from './command.js';
import { crdCommand } from './crd.js';
import { emulatorCommand } from './emulator.js';
import { previewCommand } from './preview.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';

export const commands: readonly Command[] = [runCommand, validateCommand, previewCommand, crdCommand, emulatorCommand];
