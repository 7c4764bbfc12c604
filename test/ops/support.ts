import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/surfinger.mjs', import.meta.url));

/** Runs `surfinger status <args>` as operators do (its own process) and collects its output. */
export function runStatus(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Credentials come from the arguments only, never from the environment of the test runner.
    const child = spawn(process.execPath, [CLI, 'status', ...args], { env: { ...process.env, SF_NATS_USER: '', SF_NATS_PASS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
