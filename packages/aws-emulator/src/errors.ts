/** An error of the emulator's own: a stable `code` for callers and logs, named after its class. */
export class EmulatorError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
