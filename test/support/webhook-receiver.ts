/**
 * A real webhook receiver: node:http on 127.0.0.1 that checks every message's Standard Webhooks signature with
 * the `standardwebhooks` package (as a manager's receiver would), records what it accepted, and can be told to
 * fail (an outage) or to answer with a redirect.
 */
import { Webhook } from 'standardwebhooks';
import { listenOnLoopback } from './loopback-server';

export interface ReceivedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { name: string; reason?: string; uid: string; generation: number };
  headers: { id: string; timestamp: string; signature: string };
  /** Every header name the message arrived with (to prove nothing of the sender's plumbing leaks). */
  headerNames: string[];
}

export async function webhookReceiver() {
  const secrets: string[] = [];
  const received: ReceivedEvent[] = [];
  const rejected: string[] = [];
  let answer: { status: number; location?: string } = { status: 204 };
  const server = await listenOnLoopback((req, res, body) => {
    if (answer.status !== 204) {
      res.writeHead(answer.status, answer.location ? { location: answer.location } : {}).end();
      return;
    }
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    const text = body.toString('utf8');
    // Every secret the test says it holds must verify on its own: a receiver may hold either side of a rotation.
    for (const secret of secrets) {
      try {
        new Webhook(secret).verify(text, headers);
      } catch (error) {
        rejected.push(`${headers['webhook-id']}: ${(error as Error).message}`);
        res.writeHead(401).end();
        return;
      }
    }
    received.push({
      ...(JSON.parse(text) as Omit<ReceivedEvent, 'headers'>),
      headers: {
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
      },
      headerNames: Object.keys(req.headers),
    });
    res.writeHead(204).end();
  });
  return {
    url: `${server.url}/hooks`,
    received,
    rejected,
    /** The secrets every message must verify with (set once the endpoint is registered). */
    trust(...keys: string[]) {
      secrets.splice(0, secrets.length, ...keys);
    },
    /** Answer every message with this status (503 for an outage; 204 to accept again). */
    answerWith(status: number, location?: string) {
      answer = location ? { status, location } : { status };
    },
    types: () => received.map((e) => e.type),
    close: () => server.close(),
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof webhookReceiver>>;
