/**
 * Events out in the simulation: the receiver (a protocol-level fake of the sender port: it sees the exact signed
 * body the adapter would POST, and is down for a seeded share of attempts) and the record of every transition the
 * bucket committed that must leave as an event. Signatures are proven by the HTTP tests; here what matters is
 * which events arrive, whatever functions were killed between a record write and its delivery.
 */

import type { StoredWorker } from '../../src/lifecycle/model/record';
import { eventIdOf, eventTypeOf, type SendResult, type WebhookSender } from '../../src/lifecycle/outbox';
import type { Random } from './random';

export interface SimEvent {
  type: string;
  name: string;
  at: string;
}

export class SimReceiver implements WebhookSender {
  /** Share of attempts the receiver answers 503 (an outage); switched off at quiescence. */
  outage = 0.15;
  /** Events received, by id (a redelivery overwrites: at least once). */
  readonly delivered = new Map<string, SimEvent>();
  /** Transitions committed to a record that make an event, by the event's id. */
  readonly committed = new Map<string, SimEvent>();

  constructor(private readonly random: Random) {}

  async send(_url: string, message: { id: string; body: string }): Promise<SendResult> {
    if (this.random.chance(this.outage)) return { ok: false, error: 'answered 503' };
    const event = JSON.parse(message.body) as {
      id: string;
      type: string;
      timestamp: string;
      data: { name: string };
    };
    this.delivered.set(message.id, { type: event.type, name: event.data.name, at: event.timestamp });
    return { ok: true };
  }

  /** Called for every committed write of a record (the bucket's observer). */
  observe(before: StoredWorker | null, after: StoredWorker | null): void {
    if (!after) return;
    const made = before === null || before.uid !== after.uid || after.event_seq > before.event_seq;
    const type = made ? eventTypeOf(after.last_transition) : null;
    if (!type) return;
    this.committed.set(eventIdOf(after.uid, after.event_seq), {
      type,
      name: after.name,
      at: after.last_transition.at,
    });
  }
}
