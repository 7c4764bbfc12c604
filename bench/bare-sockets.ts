import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import { pool } from './actor-bench.ts';

/**
 * Child process for the sockets scenario's baseline: plain SocketModeClient instances, one per app
 * token, against the sandbox — what holding N sockets costs with the SDK and nothing of ours.
 * Reads `{ apiUrl, tokens }` as JSON on stdin, prints `{ opened, failed }` once every socket is up,
 * then holds them until stdin closes.
 */
const input = JSON.parse(await new Promise<string>((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const nl = text.indexOf('\n');
    if (nl >= 0) resolve(text.slice(0, nl));
  });
})) as { apiUrl: string; tokens: string[] };

const clients: SocketModeClient[] = [];
let failed = 0;
await pool(input.tokens.length, 50, async (i) => {
  const client = new SocketModeClient({ appToken: input.tokens[i]!, autoReconnectEnabled: false, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: input.apiUrl } });
  try {
    await client.start();
    clients.push(client);
  } catch {
    failed++;
  }
});
process.stdout.write(`${JSON.stringify({ opened: clients.length, failed })}\n`);
process.stdin.on('end', () => process.exit(0));
