import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export { waitFor } from './wait.js';

/** Test helpers around real MQTT clients: every wait is bounded and fails with a reason. */

const clients = new Set<MqttClient>();

/** Connects and resolves on CONNACK 0; rejects with the refusal otherwise. No reconnects. */
export function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.add(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** Ends every client the helpers opened. */
export async function endAll(): Promise<void> {
  await Promise.all([...clients].map((client) => client.endAsync(true)));
  clients.clear();
}

export interface Received {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
}

/** Records every message a client receives. */
export function record(client: MqttClient): Received[] {
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload, retain: packet.retain });
  });
  return received;
}

/** Resolves when the client's connection closes (the broker dropped it). */
export function closed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  if (!client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection stayed open')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Subscribes and resolves to the granted QoS list (128 = refused). */
export async function subscribe(
  client: MqttClient,
  filters: string | string[],
  qos: 0 | 1 | 2 = 1,
): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(filters, { qos });
    return granted.map((grant) => grant.qos);
  } catch (error) {
    // mqtt.js rejects a SUBACK holding a failure code; the codes are on the packet.
    const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
    if (granted === undefined) throw error;
    return granted;
  }
}
