import type { IncomingMessage } from 'node:http';
import { EmulatorError } from './errors.js';

/** The request body was larger than the endpoint accepts. */
export class BodyTooLargeError extends EmulatorError<'body_too_large'> {
  constructor(readonly limit: number) {
    super('body_too_large', `request body is larger than ${limit} bytes`);
  }
}

/**
 * Reads a request body into memory, refusing it as soon as it passes `limit` bytes so that an
 * oversized upload is never buffered whole.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      request.resume();
      return reject(new BodyTooLargeError(limit));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks, size)));
    request.on('error', reject);
  });
}
