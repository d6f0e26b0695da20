import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Debian's `mosquitto_pub` / `mosquitto_sub` (package `mosquitto-clients`) as independent MQTT
 * clients: a second implementation of MQTT 3.1.1 that shares no code with the broker or mqtt.js.
 */

const run = promisify(execFile);
const children = new Set<ChildProcess>();

export interface Credentials {
  readonly port: number;
  readonly clientId: string;
  /**
   * The user name carrying the custom authorizer's credentials in its query string
   * (`alice?x-amz-customauthorizer-name=…&x-amz-customauthorizer-signature=…&token=…`), the
   * form AWS IoT Core reads over MQTT; `pnpm token alice --username` prints one.
   */
  readonly username: string;
}

const connectArgs = ({ port, clientId, username }: Credentials) => [
  '-h',
  '127.0.0.1',
  '-p',
  String(port),
  '-i',
  clientId,
  '-u',
  username,
];

export interface Subscriber {
  /** Payloads received, in order. */
  readonly messages: string[];
  /** Resolves once the broker acknowledged the subscription. */
  readonly subscribed: Promise<void>;
  stop(): void;
}

/** Starts `mosquitto_sub` on one filter; its debug output tells when SUBACK arrived. */
export function mosquittoSub(credentials: Credentials, filter: string): Subscriber {
  // mosquitto_sub's stdout is block-buffered on a pipe; coreutils' stdbuf makes it
  // line-buffered, so the SUBACK debug line arrives when it happens.
  const child = spawn(
    'stdbuf',
    [
      '-oL',
      'mosquitto_sub',
      ...connectArgs(credentials),
      '-t',
      filter,
      '-q',
      '1',
      '-d',
      '-F',
      'MSG %p',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const messages: string[] = [];
  let output = '';
  const subscribed = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split('\n');
      output = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('MSG ')) messages.push(line.slice(4));
        if (line.includes('received SUBACK')) resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`mosquitto_sub exited with ${code}`)));
  });
  subscribed.catch(() => {});
  return { messages, subscribed, stop: () => child.kill() };
}

/** Publishes one message with `mosquitto_pub`; rejects with its stderr when it fails. */
export async function mosquittoPub(
  credentials: Credentials,
  topic: string,
  message: string,
): Promise<void> {
  await run('mosquitto_pub', [...connectArgs(credentials), '-t', topic, '-q', '1', '-m', message], {
    timeout: 5000,
  });
}

export function stopAllMosquittoClients(): void {
  for (const child of children) child.kill();
  children.clear();
}
