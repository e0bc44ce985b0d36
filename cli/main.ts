/** The `jti` command's process entry: runs one command line and exits with its code. */
import { runCli } from './jti';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readStdin,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`jti: ${String(error)}\n`);
    process.exit(1);
  },
);

/** All of standard input; at a terminal, says first that it waits for the token. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('jti: paste the token, then Ctrl-D\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
