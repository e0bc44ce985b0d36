import { spawn } from 'node:child_process';
import { ROOT } from './deployed';

/**
 * dynalite in a process of its own: in the benchmark's process its work would share the event
 * loop with the calls being timed, and the figures would swing with it.
 */
export async function dynaliteProcess(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }); s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));",
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    child.on('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}
