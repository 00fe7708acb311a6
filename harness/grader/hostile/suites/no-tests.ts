/** A test file that declares no test: an error, never a pass. */
import { clamp } from '../fixture/clamp/stub.ts';

export const used = clamp;
