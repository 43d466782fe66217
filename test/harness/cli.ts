/**
 * Runs `mailroom` as a child process without blocking this one: tests whose fake servers (Messages
 * API, chat/completions) live in the test process need it to keep answering while the CLI runs.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './shared.ts';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function mailroomAsync(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), ...args], { env: { ...process.env, ...env }, cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
