/**
 * The styling every renderer takes: colour functions and status marks. The commands make one
 * with chalk (commands/palette.ts); renderers only call it, so they never import a higher layer.
 */
export interface Palette {
  readonly pass: (text: string) => string;
  readonly fail: (text: string) => string;
  readonly warn: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
  readonly accent: (text: string) => string;
  /** Status marks: the same characters with or without colour, so plain logs read the same. */
  readonly marks: { readonly pass: string; readonly fail: string; readonly todo: string };
}
