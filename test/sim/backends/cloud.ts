/**
 * What the simulated backends share: the fault plan for their API calls, the record of every resource id ever
 * handed out (so an invariant can tell which incarnation a `backend_ref` belongs to), and the view of resources
 * the invariants and the simulated worker processes look at.
 */

import type { WorkerBackend } from '../../../src/backends/port';
import { BackendError, BackendUnavailableError } from '../../../src/errors';
import type { Random } from '../random';
import type { Scheduler, Task } from '../scheduler';

export interface BackendFaults {
  /** The API call fails before anything is sent (throttled, connection refused). */
  nothingSent: number;
  /** The API call is carried out, then fails: "sent, outcome unknown". */
  sentUnknown: number;
}

export const NO_BACKEND_FAULTS: BackendFaults = { nothingSent: 0, sentUnknown: 0 };

/** One running (or about to run) instance of a worker, as the cloud sees it. */
export interface SimInstance {
  id: string;
  startedAt: number;
}

/** A backend resource as the invariants and the worker processes see it, with the ground truth of its uid. */
export interface ResourceView {
  backend: string;
  name: string;
  id: string;
  /** The incarnation that made it, whatever its tags say. */
  uid: string;
  worker: string;
  /** Running or on its way to running: what "a running resource" means for the invariants. */
  active: boolean;
  instances: SimInstance[];
  env: Record<string, string>;
}

export interface SimBackend {
  readonly name: string;
  viewFor(task: Task): WorkerBackend;
  resources(): ResourceView[];
}

export class SimCloud {
  faults: BackendFaults;
  /** Every resource id ever handed out → the uid it was made for. */
  readonly owners = new Map<string, string>();

  constructor(
    readonly scheduler: Scheduler,
    readonly rng: Random,
    faults: BackendFaults,
  ) {
    this.faults = { ...faults };
  }

  now(): number {
    return this.scheduler.now();
  }

  newId(prefix: string, length = 16): string {
    return `${prefix}${[...this.rng.fill(new Uint8Array(length / 2))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  }

  /** One API call of a backend, with its faults: nothing sent, or carried out with the outcome unknown. */
  call<T>(task: Task, label: string, perform: () => T): Promise<T> {
    const nothing = this.rng.chance(this.faults.nothingSent);
    const unknown = !nothing && this.rng.chance(this.faults.sentUnknown);
    const ambiguous = this.rng.chance(0.5);
    return this.scheduler.call(
      task,
      `${label}${nothing ? ' (not sent)' : ''}${unknown ? ' (outcome unknown)' : ''}`,
      () => {
        if (nothing) throw new BackendUnavailableError(`[sim] ${label}: throttled, nothing sent`);
        const value = perform();
        if (unknown) {
          throw ambiguous
            ? new BackendUnavailableError(`[sim] ${label}: request timed out after it was sent`)
            : new BackendError(`[sim] ${label}: connection reset after the request was sent`);
        }
        return value;
      },
    );
  }
}
