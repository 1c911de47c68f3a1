/**
 * The blocks of a Server-Sent Events body as they arrive (`id: …\nevent: …\ndata: …`, without the
 * blank line that ends each), for tests that read a stream with fetch rather than an EventSource.
 */

/** Calls `onBlock` with each block of `response`'s body, in order; resolves when the body ends, rejects when it fails (an abort). */
export async function readSseBlocks(response: Response, onBlock: (block: string) => void): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      onBlock(block);
    }
  }
}
