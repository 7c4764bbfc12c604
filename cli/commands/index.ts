import type { Command } from 'commander';

/** Each entry adds one subcommand. Add yours here (one import, one line). */
export const commands: Array<(program: Command) => void> = [];
