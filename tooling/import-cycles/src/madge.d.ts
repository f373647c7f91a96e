// madge ships no types, and @types/madge describes madge 5: only what find-import-cycles uses, as madge 8's README
// documents it.
declare module 'madge' {
  interface MadgeConfig {
    baseDir?: string;
    fileExtensions?: string[];
    tsConfig?: string | object;
    detectiveOptions?: Record<string, Record<string, boolean>>;
  }
  interface MadgeResult {
    /** Every cycle, as the files in it, relative to the base directory. */
    circular(): string[][];
    /** `skipped`: the imports madge could not resolve to a file (npm packages, and broken paths). */
    warnings(): { skipped: string[] };
  }
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
}
