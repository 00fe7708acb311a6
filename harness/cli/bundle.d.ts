// Types for bundle.js, which stays plain JavaScript so kata.js can run it before tsx is registered.

/** Where this checkout's bundle lives: node_modules/.cache/kata-cli/. */
export declare const defaultCacheDir: string;

/** The bundle built from the sources as they are now, or undefined when there is none or it is stale. */
export declare function freshBundle(dir?: string): string | undefined;

/** Builds the bundle from the sources on disk into dir and returns its file. Throws what esbuild reports. */
export declare function buildBundle(dir?: string): Promise<string>;
