/**
 * The JSON documents code writes to stdout and stderr (EMF metrics, Powertools log lines),
 * captured while it runs, nothing reaching the terminal.
 */
type Document = Record<string, unknown>;

function startCapture(): { stop: () => Document[] } {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(chunk.toString());
      return true;
    }),
  );
  return {
    stop: () => {
      for (const spy of spies) spy.mockRestore();
      return lines
        .join('')
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line) as Document);
    },
  };
}

/** What `work` writes, as JSON documents. */
export function captureOutput(work: () => void): Document[] {
  const capture = startCapture();
  let documents: Document[] = [];
  try {
    work();
  } finally {
    documents = capture.stop();
  }
  return documents;
}

/** What `work` writes until its promise settles, as JSON documents. */
export async function captureOutputOf(work: () => Promise<unknown>): Promise<Document[]> {
  const capture = startCapture();
  let documents: Document[] = [];
  try {
    await work();
  } finally {
    documents = capture.stop();
  }
  return documents;
}
