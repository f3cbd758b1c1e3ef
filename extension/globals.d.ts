// Declarations for the type check of the extension's JavaScript (tests/lint/tsconfig.json, run by
// scripts/lint-packages.sh). Not shipped: the browsers run the .js files as they are.

/** What Hark's content scripts share in the page's isolated world (`globalThis.__hark`). Each
 * file adds its part; `main.js` wires them to the extension. */
interface HarkContent {
  /** page.js: runs one page command (the core's `PageCommand` JSON) and answers its result. */
  executor?: { execute(command: unknown, reads?: boolean): Promise<unknown>; [part: string]: any };
  /** page.js: the page model (visibility, roles, names, refs) the other parts read. */
  dom?: any;
  styles?: any;
  /** readable.js: contrast checks and fixes after color changes. */
  readable?: any;
  /** views.js: themes, text spacing, reduced motion. */
  views?: any;
  actions?: any;
  marks?: any;
  overlay?: any;
  /** The hosts of Hark's own elements, which every page walk skips. */
  overlayHost?: Element | null;
  marksHost?: Element | null;
  /** styles.js: the journal's answer to a page restoring its own styles. */
  takeStyleFights?: (...args: any[]) => any;
  link?: { up(): void; down(): void };
  wired?: boolean;
  /** When this document's executor was ready, in ms from the navigation's start. */
  readyAt?: number;
}

declare var __hark: HarkContent | undefined;

/** Only in a service worker (Chromium's background); the DOM library does not declare it. */
declare var ServiceWorkerGlobalScope: { prototype: object; new (): object } | undefined;

/** ui-picture.js: what the overlay shows, as one picture built from the core's UI updates. */
declare var harkPicture: { blank(state?: string): any; apply(ui: any, update: any): void; MAX_LINES: number } | undefined;
