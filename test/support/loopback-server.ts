/**
 * A protocol fake's HTTP server on 127.0.0.1: buffers each request body, hands it to `handle`, and closes
 * promptly even though the SDKs keep connections alive.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type BufferedHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export async function listenOnLoopback(
  handle: BufferedHandler,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // The SDK keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
