/**
 * The AWS Architecture Blog's "Exponential Backoff And Jitter" simulation (Marc Brooker, 2015;
 * awslabs' aws-arch-backoff-simulator), ported to TypeScript and fed with this kata's own
 * delays: each simulated client is a real call of the reference's retry(), on a virtual clock.
 *
 * The model is the post's: N clients each want to update one row once, with optimistic
 * concurrency. An attempt reads the row's version and writes it back; the write succeeds only if
 * nobody wrote in between, so in every round of contention one client wins and the others must
 * retry. Every message crosses a network whose delay is |normal(10 ms, 2 ms)|. The post counts
 * two things: the writes made (the work the database does) and the time until the last client
 * has succeeded.
 *
 * Backoff settings are the post's (base 5 ms, cap 2 s). Its exponential schedule sleeps
 * min(cap, base × 2^n) after failure n, so its first sleep is 2 × base: in this kata's terms
 * (ceiling = baseDelayMs × factor^(n − 1)) that is baseDelayMs 10. Decorrelated jitter starts from
 * the base itself, as in the post: baseDelayMs 5.
 *
 *   npx tsx solutions/retry-backoff/jitter-simulation.ts [--clients 50] [--runs 40] [--seed 1]
 *
 * Not part of `npm test`: 40 runs of five schedules take a few seconds. NOTES.md has its table.
 */
import { setImmediate } from 'node:timers';
import { createRandom } from '../../harness/kit/random.ts';
import { retry, type Jitter } from './index.ts';

interface Schedule {
  readonly name: string;
  /** Undefined: no backoff at all, retry at once. */
  readonly jitter: Jitter | undefined;
}

const SCHEDULES: readonly Schedule[] = [
  { name: 'no backoff', jitter: undefined },
  { name: 'exponential, no jitter', jitter: 'none' },
  { name: 'equal jitter', jitter: 'equal' },
  { name: 'full jitter', jitter: 'full' },
  { name: 'decorrelated jitter', jitter: 'decorrelated' },
];

const POST = { baseMs: 5, capMs: 2_000, netMeanMs: 10, netSdMs: 2 } as const;

/** A discrete-event clock: sleepers wake in time order, each after the previous one's effects ran. */
class VirtualClock {
  now = 0;
  #sleepers: { at: number; order: number; wake: () => void }[] = [];
  #order = 0;

  sleep = (ms: number): Promise<void> =>
    new Promise((wake) => this.#sleepers.push({ at: this.now + Math.max(0, ms), order: this.#order++, wake }));

  /** Runs until nobody sleeps any more; returns the time of the last wake-up. */
  async run(): Promise<number> {
    for (;;) {
      // setImmediate runs after every pending microtask: the woken client has reached its next sleep.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#sleepers.length === 0) return this.now;
      let next = 0;
      for (let index = 1; index < this.#sleepers.length; index++) {
        const a = this.#sleepers[index]!;
        const b = this.#sleepers[next]!;
        if (a.at < b.at || (a.at === b.at && a.order < b.order)) next = index;
      }
      const [sleeper] = this.#sleepers.splice(next, 1);
      this.now = sleeper!.at;
      sleeper!.wake();
    }
  }
}

/** Box-Muller over the seeded generator: |normal(mean, sd)|, as the post's network model. */
function networkDelay(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    const v = random();
    return Math.abs(POST.netMeanMs + POST.netSdMs * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
}

class ConflictError extends Error {
  constructor() {
    super('the row changed since it was read');
  }
}

/** One run: `clients` callers of retry() contending for one row. Returns writes made and time taken. */
async function simulate(clients: number, schedule: Schedule, seed: number): Promise<{ writes: number; ms: number }> {
  const clock = new VirtualClock();
  const random = createRandom(seed);
  const delay = networkDelay(random);
  let version = 0;
  let writes = 0;
  const attempt = async (): Promise<void> => {
    await clock.sleep(delay()); // the read request travels
    const seen = version;
    await clock.sleep(delay()); // the version travels back
    await clock.sleep(delay()); // the write request travels
    writes++;
    const won = seen === version;
    if (won) version++;
    await clock.sleep(delay()); // the answer travels back
    if (!won) throw new ConflictError();
  };
  const done = Array.from({ length: clients }, () =>
    retry(attempt, {
      maxAttempts: 100_000,
      baseDelayMs: schedule.jitter === 'decorrelated' ? POST.baseMs : 2 * POST.baseMs,
      maxDelayMs: POST.capMs,
      factor: 2,
      jitter: schedule.jitter ?? 'none',
      ...(schedule.jitter === undefined ? { baseDelayMs: 0, maxDelayMs: 0 } : {}),
      sleep: clock.sleep,
      now: () => clock.now,
      random,
    }),
  );
  const ms = await clock.run();
  await Promise.all(done);
  return { writes, ms };
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<number> {
  const clients = option('clients', 50);
  const runs = option('runs', 40);
  const seed = option('seed', 1);
  const rows: { name: string; writes: number; ms: number }[] = [];
  for (const schedule of SCHEDULES) {
    let writes = 0;
    let ms = 0;
    for (let run = 0; run < runs; run++) {
      const result = await simulate(clients, schedule, seed * 1_000 + run);
      writes += result.writes;
      ms += result.ms;
    }
    rows.push({ name: schedule.name, writes: writes / runs, ms: ms / runs });
  }
  console.log(`${clients} clients, ${runs} runs each, seed ${seed} (the reference's retry() on a virtual clock)\n`);
  console.log('| schedule | writes (calls) | time until the last client succeeded |');
  console.log('| --- | ---: | ---: |');
  for (const row of rows) console.log(`| ${row.name} | ${row.writes.toFixed(0)} | ${(row.ms / 1000).toFixed(2)} s |`);
  const calls = (name: string): number => rows.find((row) => row.name === name)!.writes;
  // "Far below": every jittered schedule does at least 30 % less work than the synchronized one.
  const ordered =
    calls('full jitter') < calls('equal jitter') &&
    calls('equal jitter') < calls('decorrelated jitter') &&
    calls('decorrelated jitter') < 0.7 * calls('exponential, no jitter');
  const saving = 1 - calls('decorrelated jitter') / calls('exponential, no jitter');
  console.log(
    `\n${ordered ? 'reproduced' : 'NOT reproduced'}: the post's order of work, full < equal < decorrelated, all far below no jitter (the most jittered work is ${(saving * 100).toFixed(0)} % below it)`,
  );
  return ordered ? 0 : 1;
}

process.exitCode = await main();
