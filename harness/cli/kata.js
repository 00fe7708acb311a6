#!/usr/bin/env node
// The `kata` binary. Plain JavaScript so it starts without a build step; tsx's loader then lets
// the rest of the harness stay TypeScript.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
