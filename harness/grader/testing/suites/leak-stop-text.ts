/**
 * Leak: declares no test and throws, outside any test, errors whose text begins as the runner's
 * own reasons for stopping a run do ("the run used ...", "loading the module did not finish ..."),
 * followed by the target's text, hoping the grader quotes them as its own.
 */
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

const src = String(clamp);
setTimeout(() => {
  throw new Error(`the run used ${src}`);
}, 0);
Promise.reject(new Error(`loading the module did not finish ${src}`));
const named = new Error(src);
named.name = 'the run reached its time limit';
setTimeout(() => {
  throw named;
}, 0);
await new Promise((resolve) => setTimeout(resolve, 50));
