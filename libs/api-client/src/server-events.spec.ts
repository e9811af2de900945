import { serverEvents } from './server-events';

const TEXT = 'event: run\ndata: {"status":"running"}\n\n: a comment\n\ndata: first\ndata: second\n\nevent: run\ndata: {"status":"succeeded"}\n\nevent: run\ndata: {"cut';
const EXPECTED = [
  { event: 'run', data: '{"status":"running"}' },
  { event: 'message', data: 'first\nsecond' },
  { event: 'run', data: '{"status":"succeeded"}' },
];

async function collect(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>) {
  const out = [];
  for await (const event of serverEvents(body)) out.push(event);
  return out;
}

/** The text's bytes cut every `size` bytes (inside multi-byte characters too). */
const pieces = (text: string, size: number) => {
  const bytes = new TextEncoder().encode(text);
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
};

describe('serverEvents', () => {
  it.each([1, 3, 7, 1000])('reads events cut every %i bytes from an async iterable, leaving out comments and an unfinished last one', async (size) => {
    async function* body() {
      yield* pieces(TEXT.replace('running', 'rünning ✓'), size);
    }
    expect(await collect(body())).toEqual([{ event: 'run', data: '{"status":"rünning ✓"}' }, ...EXPECTED.slice(1)]);
  });

  it("reads fetch's ReadableStream", async () => {
    const parts = pieces(TEXT, 5);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    expect(await collect(stream)).toEqual(EXPECTED);
  });
});
