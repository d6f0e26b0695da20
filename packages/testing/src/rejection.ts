/**
 * The error `promise` rejects with, checked to be a `type`; fails if it resolves or rejects with
 * anything else.
 */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  // biome-ignore lint/suspicious/noExplicitAny: any error class, whatever its constructor takes
  type: abstract new (...args: any[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected a ${type.name}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}

/**
 * The error `action` throws, checked to be a `type`; undefined when it returns. Fails when it
 * throws anything else.
 */
export function errorThrownBy<E extends Error>(
  action: () => unknown,
  // biome-ignore lint/suspicious/noExplicitAny: any error class, whatever its constructor takes
  type: abstract new (...args: any[]) => E,
): E | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected a ${type.name}, got ${String(error)}`, { cause: error });
  }
  return undefined;
}
