/**
 * How `kata watch`'s spare runner (see warm.ts) learns its job. The spare is a runner child started
 * before the save, with the run's environment but a job that names no run yet; its test worker
 * loads vitest, the kit and the spec, then waits for the job file to appear in the spare's own
 * folder. The parent writes it (whole, by rename) at the save; the worker reads it once, then
 * loads the candidate's module, which no process of the spare has loaded before.
 */
import { existsSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ChildJob } from './protocol.ts';

/** Set in a spare's environment: the path of the job file its worker waits for. */
export const SPARE_ENV = 'KATA_SPARE_JOB';

/** Written by the spare's worker once it waits for its job: vitest, the kit and the spec are loaded. */
export function readyFile(jobFile: string): string {
  return `${jobFile}.ready`;
}

/** Writes the job where the spare's worker waits for it: whole or not at all (by rename). */
export function writeSpareJob(file: string, job: ChildJob): void {
  writeFileSync(`${file}.partial`, JSON.stringify(job));
  renameSync(`${file}.partial`, file);
}

/**
 * Waits for the job file, then returns the job it holds. The worker exits when its vitest process
 * is gone (its IPC channel closed): nobody will ever write the file then.
 */
export function waitForSpareJob(file: string, pollMs = 50): Promise<ChildJob> {
  return new Promise((resolve, reject) => {
    let done = false;
    const look = (): void => {
      if (done) return;
      if (typeof process.send === 'function' && !process.connected) process.exit(0);
      if (!existsSync(file)) return;
      done = true;
      clearInterval(poll);
      watcher?.close();
      try {
        resolve(JSON.parse(readFileSync(file, 'utf8')) as ChildJob);
      } catch (error) {
        reject(new Error(`the spare runner's job file ${file} is not a job: ${(error as Error).message}`));
      }
    };
    // The folder's events wake the worker at once; the poll is the fallback where they do not fire.
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      watcher = watch(dirname(file), (_event, name) => {
        if (name === null || name === basename(file)) look();
      });
    } catch {
      watcher = undefined;
    }
    const poll = setInterval(look, pollMs);
    try {
      writeFileSync(readyFile(file), '');
    } catch {
      // Advisory: the parent claims a spare whether or not it is ready.
    }
    look();
  });
}
