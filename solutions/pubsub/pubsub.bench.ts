/**
 * Publish throughput: the reference and its variants beside Node's EventEmitter and mitt, in the
 * same run. EventEmitter and mitt call handlers synchronously and promise nothing about async
 * handlers, so this measures what ordered, awaited, isolated delivery costs over a bare emit.
 */
import { EventEmitter } from 'node:events';
import mittImport from 'mitt';
import { bench, describe } from 'vitest';
import { PubSub } from './index.ts';
import { PubSub as PQueuePubSub } from './variants/p-queue.ts';
import { PubSub as PromiseChainsPubSub } from './variants/promise-chains.ts';

// mitt's type declarations describe a CommonJS module, but Node loads its ESM build, whose default
// export is the factory itself: take whichever of the two shapes arrived.
type Mitt = typeof mittImport.default;
const mitt: Mitt = (mittImport as unknown as { default?: Mitt }).default ?? (mittImport as unknown as Mitt);

const SUBSCRIBERS = 10;
const BURST = 1000;
const ignoreErrors = (): void => undefined;

interface Publisher {
  subscribe(topic: string, handler: (payload: unknown) => unknown): unknown;
  publish(topic: string, payload: unknown): Promise<number>;
}

function subscribed<T extends Publisher>(pubsub: T, handler: (payload: unknown) => unknown): T {
  for (let index = 0; index < SUBSCRIBERS; index++) pubsub.subscribe('orders', handler);
  return pubsub;
}

/** Fires a burst of publishes without awaiting, then waits for all of them: the pattern the kata is about. */
async function burst(pubsub: Publisher): Promise<void> {
  const publishes: Promise<number>[] = [];
  for (let payload = 0; payload < BURST; payload++) publishes.push(pubsub.publish('orders', payload));
  await Promise.all(publishes);
}

let sink = 0;
const syncHandler = (payload: unknown): void => {
  sink += payload as number;
};
const asyncHandler = async (payload: unknown): Promise<void> => {
  await Promise.resolve();
  sink += payload as number;
};

describe(`${BURST} publishes to ${SUBSCRIBERS} synchronous handlers`, () => {
  const reference = subscribed(new PubSub({ onError: ignoreErrors }), syncHandler);
  const promiseChains = subscribed(new PromiseChainsPubSub({ onError: ignoreErrors }), syncHandler);
  const pQueue = subscribed(new PQueuePubSub({ onError: ignoreErrors }), syncHandler);
  const emitter = new EventEmitter();
  for (let index = 0; index < SUBSCRIBERS; index++) emitter.on('orders', syncHandler);
  const emitterMitt = mitt<{ orders: number }>();
  for (let index = 0; index < SUBSCRIBERS; index++) emitterMitt.on('orders', syncHandler);

  bench('reference (mailbox per subscription)', () => burst(reference));
  bench('variant: promise chains', () => burst(promiseChains));
  bench('variant: p-queue per subscription', () => burst(pQueue));
  bench('EventEmitter.emit (synchronous, no isolation)', () => {
    for (let payload = 0; payload < BURST; payload++) emitter.emit('orders', payload);
  });
  bench('mitt emit (synchronous, no isolation)', () => {
    for (let payload = 0; payload < BURST; payload++) emitterMitt.emit('orders', payload);
  });
});

describe(`${BURST} publishes to ${SUBSCRIBERS} async handlers`, () => {
  const reference = subscribed(new PubSub({ onError: ignoreErrors }), asyncHandler);
  const promiseChains = subscribed(new PromiseChainsPubSub({ onError: ignoreErrors }), asyncHandler);
  const pQueue = subscribed(new PQueuePubSub({ onError: ignoreErrors }), asyncHandler);
  // The peers neither order nor await async handlers: collecting the promises by hand is the
  // closest they come to "wait until delivered", and still lets one handler's calls overlap.
  const emitterHandlers = Array.from({ length: SUBSCRIBERS }, () => asyncHandler);
  const emitterPending: Promise<void>[] = [];
  const emitter = new EventEmitter();
  for (const handler of emitterHandlers) emitter.on('orders', (payload) => emitterPending.push(handler(payload)));
  const emitterMitt = mitt<{ orders: number }>();
  const mittPending: Promise<void>[] = [];
  for (const handler of emitterHandlers)
    emitterMitt.on('orders', (payload: number) => mittPending.push(handler(payload)));

  bench('reference (mailbox per subscription)', () => burst(reference));
  bench('variant: promise chains', () => burst(promiseChains));
  bench('variant: p-queue per subscription', () => burst(pQueue));
  bench('EventEmitter.emit + Promise.all (overlapping, unordered)', async () => {
    for (let payload = 0; payload < BURST; payload++) emitter.emit('orders', payload);
    await Promise.all(emitterPending.splice(0));
  });
  bench('mitt emit + Promise.all (overlapping, unordered)', async () => {
    for (let payload = 0; payload < BURST; payload++) emitterMitt.emit('orders', payload);
    await Promise.all(mittPending.splice(0));
  });
});

// Keeps the handlers' work observable so it cannot be optimised away.
export const benchSink = (): number => sink;
