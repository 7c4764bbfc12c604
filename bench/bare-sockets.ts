import { createInterface } from 'node:readline';
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import { pool } from './pool.ts';

/**
 * Child process for the sockets scenario's baseline: plain SocketModeClient instances, one per app
 * token, against the sandbox — what holding N sockets costs with the SDK and nothing of ours.
 * stdin lines: first `{ apiUrl, tokens, inFlight }`, then `{ upTo }` to open tokens up to that
 * index, `inFlight` at a time; after each, one `{ opened, failed }` line on stdout. Sockets are held
 * until stdin closes.
 */
const lines = createInterface({ input: process.stdin });
interface Config {
  apiUrl: string;
  tokens: string[];
  inFlight: number;
}
let config: Config | null = null;
const clients: SocketModeClient[] = [];
let failed = 0;
let next = 0;

for await (const line of lines) {
  if (config === null) {
    config = JSON.parse(line) as Config;
    continue;
  }
  const { apiUrl, tokens, inFlight } = config;
  const { upTo } = JSON.parse(line) as { upTo: number };
  const from = next;
  next = upTo;
  await pool(upTo - from, inFlight, async (i) => {
    const client = new SocketModeClient({ appToken: tokens[from + i]!, autoReconnectEnabled: false, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: apiUrl } });
    try {
      await client.start();
      clients.push(client);
    } catch {
      failed++;
    }
  });
  process.stdout.write(`${JSON.stringify({ opened: clients.length, failed })}\n`);
}
process.exit(0);
