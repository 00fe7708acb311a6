/**
 * What both engines do around each statement for the spec: the hooks, injected faults (errors and
 * crashes) and recorders. An engine calls `before(info)` once the statement is about to run and
 * `after(info, outcome)` once it ran; what a crash does to the instance is the engine's business.
 */
import { faultTargets } from './faults.ts';
import type {
  CrashTiming,
  DatabaseOptions,
  FaultOptions,
  InjectedFault,
  RecordedStatement,
  StatementHooks,
  StatementInfo,
  StatementOutcome,
  StatementRecorder,
} from './types.ts';

interface FaultState {
  readonly when: (statement: StatementInfo) => boolean;
  readonly skip: number;
  readonly times: number;
  readonly error: ((statement: StatementInfo) => Error) | undefined;
  readonly crash: CrashTiming | undefined;
  seen: number;
  fired: number;
  removed: boolean;
}

/** What a fault asks of the statement it hits, beyond throwing: crash before it runs, or after. */
export type FaultEffect = undefined | 'crash-before' | 'crash-after';

export function validateCrash(crash: unknown): CrashTiming | undefined {
  if (crash === undefined) return undefined;
  if (crash !== 'before' && crash !== 'after') {
    throw new RangeError(`crash must be 'before' or 'after', received ${String(crash)}`);
  }
  return crash;
}

/** Options both engines share, checked the same way. */
export function validateCommonOptions(options: DatabaseOptions): void {
  const integer = (name: string, value: unknown, min: number): void => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new RangeError(`${name} must be an integer >= ${min}, received ${String(value)}`);
    }
  };
  integer('seed', options.seed, Number.MIN_SAFE_INTEGER);
  integer('maxYields', options.maxYields, 0);
  integer('maxConnections', options.maxConnections, 1);
  integer('maxAttempts', options.maxAttempts, 1);
}

export class Instrumentation {
  private readonly faults: FaultState[] = [];
  private readonly recorders = new Set<RecordedStatement[]>();

  constructor(
    private hooks: StatementHooks | undefined,
    /** The error a fault without its own `error` throws (the engine's flavour of an I/O error). */
    private readonly defaultError: (statement: StatementInfo) => Error,
  ) {}

  setHooks(hooks: StatementHooks | undefined): void {
    this.hooks = hooks;
  }

  injectFault(options: FaultOptions = {}): InjectedFault {
    const times = options.times ?? 1;
    const skip = options.skip ?? 0;
    if (!(times >= 1)) throw new RangeError(`times must be at least 1, received ${String(times)}`);
    if (!Number.isInteger(skip) || skip < 0) throw new RangeError(`skip must be an integer >= 0, received ${skip}`);
    const fault: FaultState = {
      when: options.when ?? faultTargets.writes,
      skip,
      times,
      error: options.error,
      crash: validateCrash(options.crash),
      seen: 0,
      fired: 0,
      removed: false,
    };
    this.faults.push(fault);
    return {
      get seen() {
        return fault.seen;
      },
      get fired() {
        return fault.fired;
      },
      remove: () => {
        fault.removed = true;
        const index = this.faults.indexOf(fault);
        if (index !== -1) this.faults.splice(index, 1);
      },
    };
  }

  record(): StatementRecorder {
    const statements: RecordedStatement[] = [];
    this.recorders.add(statements);
    return {
      statements,
      stop: () => {
        this.recorders.delete(statements);
      },
    };
  }

  /**
   * The hook, then the faults, for a statement about to run. A failing fault throws its error; a
   * crash fault says so ('crash-before' stops at once: later faults do not count the statement).
   */
  async before(info: StatementInfo): Promise<FaultEffect> {
    const hook = this.hooks?.beforeStatement;
    if (hook !== undefined) {
      const result = hook(info);
      if (result !== undefined) await result;
    }
    let effect: FaultEffect;
    for (const fault of this.faults) {
      if (fault.removed || !fault.when(info)) continue;
      fault.seen++;
      if (fault.seen > fault.skip && fault.fired < fault.times) {
        fault.fired++;
        if (fault.crash === 'before') return 'crash-before';
        if (fault.crash === 'after') {
          effect = 'crash-after';
          continue;
        }
        throw (fault.error ?? this.defaultError)(info);
      }
    }
    return effect;
  }

  /** The hook and the recorders, once a statement ran (or failed). */
  after(info: StatementInfo, outcome: StatementOutcome): void {
    this.hooks?.afterStatement?.(info, outcome);
    if (this.recorders.size > 0) {
      const recorded: RecordedStatement = { ...info, ok: outcome.ok };
      for (const statements of this.recorders) statements.push(recorded);
    }
  }
}
