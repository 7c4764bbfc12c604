import type { Command } from 'commander';
import { register as bench } from './bench.ts';
import { register as bots } from './bots.ts';
import { register as service } from './service.ts';
import { register as up } from './up.ts';
import { register as ranking } from './ranking.ts';
import { register as tokens } from './tokens.ts';
import { register as sandbox } from './sandbox.ts';
import { register as status } from './status.ts';
import { register as score } from './score.ts';
import { register as replay } from './replay.ts';
import { register as workspaces } from './workspaces.ts';
import { register as tournament } from './tournament.ts';

/** Each entry adds one subcommand. Add yours here (one import, one line). */
export const commands: Array<(program: Command) => void> = [
  up,
  service,
  bench,
  bots,
  ranking,
  tokens,
  sandbox,
  status,
  score,
  replay,
  workspaces,
  tournament,
];
