/**
 * A controlled interleaving for the revoke race: every database call an actor makes (each check,
 * the revoke) waits at a gate before it is sent and again before its answer is delivered, like a
 * network round trip, and a seeded driver opens one gate at a time.
 *
 * Why not fast-check's scheduler alone: it picks uniformly among waiting tasks, so with 500 checks
 * waiting the revoke, whose dozen steps must run in sequence, finishes only after nearly every check
 * has, and nothing overlaps. Here one actor's gates can be favoured, the others weighted by kind, and
 * an actor can wait for the moment some answer is held back, so the revoke runs while checks are at
 * every stage: not started, request sent, answer held back.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate } from 'node:timers';
import { createRandom } from '../../harness/kit/db/interleaving.ts';
import type { Database, Queryable, Transaction } from '../../harness/kit/db/index.ts';

/**
 * Idle driver turns (nothing at a gate, run not finished) before the run is called stuck, and the
 * idle time that must have passed too: a statement on PostgreSQL is a real round trip, which on a
 * loaded machine can outlast 20,000 turns of an otherwise idle event loop without anything being stuck.
 */
const STUCK_AFTER_TURNS = 20_000;
const STUCK_AFTER_MS = 5_000;

/** Where an actor waits: before it starts, before a call is sent, before an answer is delivered. */
export type GateKind = 'start' | 'send' | 'answer';

/** How likely each kind of gate is to be opened next, relative to the others. */
export type GateWeights = Readonly<Record<GateKind, number>>;

interface Gate {
  readonly actor: string;
  readonly kind: GateKind;
  readonly open: () => void;
}

export class Interleaving {
  private readonly current = new AsyncLocalStorage<string>();
  /** Waiting gates by kind (the favoured actor's apart), so picking one costs O(1), not O(waiting). */
  private readonly waiting: Record<GateKind, Gate[]> = { start: [], send: [], answer: [] };
  private readonly favouredWaiting: Gate[] = [];
  private readonly random: () => number;
  private readonly answerWatchers: (() => void)[] = [];

  constructor(
    seed: number,
    /** The actor whose gate opens first this often when it is waiting, 0..1. */
    private readonly favoured: string,
    private readonly favour = 0.5,
    /** Among the other gates: e.g. sends heavy and answers light keeps many reads on the wire. */
    private readonly weights: GateWeights = { start: 1, send: 1, answer: 1 },
  ) {
    this.random = createRandom(seed);
  }

  /** Runs `body` as `actor`: its database calls wait for their turn. */
  as<T>(actor: string, body: () => Promise<T>): Promise<T> {
    return this.current.run(actor, body);
  }

  /** Waits for the driver to let the current actor go on; outside any actor, goes on at once. */
  turn(kind: GateKind): Promise<void> | undefined {
    const actor = this.current.getStore();
    if (actor === undefined) return undefined;
    return new Promise<void>((open) => {
      const gate = { actor, kind, open };
      (actor === this.favoured ? this.favouredWaiting : this.waiting[kind]).push(gate);
    });
  }

  /**
   * Resolves once some call has been answered by the database but its answer is still held back:
   * the moment a change made now is most likely to race with it.
   */
  whenAnswerHeld(): Promise<void> {
    return new Promise<void>((seen) => this.answerWatchers.push(seen));
  }

  /** Opens gates one at a time, letting everything that can run do so in between, until `until` settles. */
  async drive(until: Promise<unknown>): Promise<void> {
    let settled = false;
    until.then(
      () => (settled = true),
      () => (settled = true),
    );
    let idle = 0;
    let idleSince = 0;
    while (!settled) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.answerWatchers.length > 0 && this.waiting.answer.length > 0) {
        this.answerWatchers.splice(0).forEach((seen) => seen());
        continue;
      }
      const gate = this.pick();
      if (gate === undefined) {
        // Nothing else can move: release whoever waits for a moment that will not come.
        if (this.answerWatchers.length > 0) {
          this.answerWatchers.splice(0).forEach((seen) => seen());
          continue;
        }
        if (idle++ === 0) idleSince = performance.now();
        if (idle > STUCK_AFTER_TURNS && performance.now() - idleSince > STUCK_AFTER_MS) {
          throw new Error(
            `the run is stuck: nothing waits at a gate, nothing finishes (for ${STUCK_AFTER_MS} ms and ${STUCK_AFTER_TURNS} turns)`,
          );
        }
        continue;
      }
      idle = 0;
      gate.open();
    }
  }

  /** The next gate to open, removed from its list: the favoured actor's first, sometimes; else by weight. */
  private pick(): Gate | undefined {
    const others = this.waiting.start.length + this.waiting.send.length + this.waiting.answer.length;
    if (this.favouredWaiting.length > 0 && (others === 0 || this.random() < this.favour)) {
      return this.favouredWaiting.shift();
    }
    const kinds = (['start', 'send', 'answer'] as const).filter((kind) => this.waiting[kind].length > 0);
    const total = kinds.reduce((sum, kind) => sum + this.weights[kind] * this.waiting[kind].length, 0);
    let target = this.random() * total;
    for (const kind of kinds) {
      const list = this.waiting[kind];
      const share = this.weights[kind] * list.length;
      if (target < share || kind === kinds.at(-1)) {
        const index = Math.min(list.length - 1, Math.floor(target / this.weights[kind]));
        // Swap-remove: the order inside a list carries no meaning, and this keeps picking O(1).
        const gate = list[index]!;
        list[index] = list[list.length - 1]!;
        list.pop();
        return gate;
      }
      target -= share;
    }
    return undefined;
  }

  /** The handle with a gate before each call is sent and before its answer is delivered. */
  database(db: Database): Database {
    const roundTrip =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        await this.turn('send');
        const result = await call(...args);
        await this.turn('answer');
        return result;
      };
    const queryable = (target: Queryable): Queryable => ({
      run: roundTrip((sql, ...params) => target.run(sql, ...params)),
      get: roundTrip((sql, ...params) => target.get(sql, ...params)) as Queryable['get'],
      all: roundTrip((sql, ...params) => target.all(sql, ...params)) as Queryable['all'],
      exec: roundTrip((sql: string) => target.exec(sql)),
    });
    // The wrapper passes on which engine it is and the transaction's isolation level, as the kit's handle does.
    return {
      ...queryable(db),
      dialect: db.dialect,
      transaction: roundTrip(<T>(body: (tx: Transaction) => Promise<T>, options?: object) =>
        db.transaction(
          (tx) => body(Object.assign(queryable(tx), { mode: tx.mode, attempt: tx.attempt, isolation: tx.isolation })),
          options,
        ),
      ) as Database['transaction'],
    };
  }
}
