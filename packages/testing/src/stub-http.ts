import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stub received, its body read whole. */
export interface StubRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type StubAnswer = (request: StubRequest, response: ServerResponse) => void;

export interface StubHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /** Every request so far, oldest first; empty it with `requests.length = 0`. */
  readonly requests: StubRequest[];
  /** How the next requests are answered; replace it per test. */
  answer: StubAnswer;
  close(): Promise<void>;
}

/** Answers with `status` and `body` as JSON (a string body is sent as it is). */
export function jsonAnswer(status: number, body: unknown): StubAnswer {
  return (_request, response) =>
    response
      .writeHead(status, { 'content-type': 'application/json' })
      .end(typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * A real HTTP server on a free loopback port with canned answers, for code that talks HTTP:
 * records every request and answers it with `answer` (204 and no body unless told).
 */
export async function startStubHttpServer(
  answer: StubAnswer = (_request, response) => response.writeHead(204).end(),
): Promise<StubHttpServer> {
  const requests: StubRequest[] = [];
  const server = createServer(async (message: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of message) body += chunk;
    const request = {
      method: message.method ?? '',
      url: message.url ?? '',
      headers: message.headers,
      body,
    };
    requests.push(request);
    stub.answer(request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const stub: StubHttpServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answer,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return stub;
}
