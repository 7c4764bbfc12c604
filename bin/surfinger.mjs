#!/usr/bin/env node
// The CLI ships as TypeScript; tsx's loader lets Node 20 run it without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
