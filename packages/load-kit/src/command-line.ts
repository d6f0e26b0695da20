/** What the commands built on this kit (loadgen, bench, smoke, soak) share on their command line. */

/** A bad command line; the message says which option (or input) and why. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command line parsed: a request for help, or the command's options. */
export type CommandLine<Options> = { readonly help: true } | ({ readonly help: false } & Options);

/** `node:util` `parseArgs` declarations of options that each take one value. */
export function valueOptions<const Name extends string>(
  ...names: Name[]
): { readonly [N in Name]: { readonly type: 'string' } } {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as {
    readonly [N in Name]: { readonly type: 'string' };
  };
}
