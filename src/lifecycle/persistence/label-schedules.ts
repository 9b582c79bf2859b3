/**
 * Label schedules: `schedules/labels.json`, one small document holding every label schedule, changed by
 * compare-and-swap, and the due hint that brings the sweeper back for them. The hint's name part is
 * `_schedules`, which no worker can have (worker names start with a letter), so the sweeper tells it apart.
 *
 * @module
 */

import type { Versioned } from '../../store/cas';
import type { ObjectStore } from '../../store/port';
import type { LabelSchedule } from '../model';
import { readDocument, updateDocument } from './document';
import { LABEL_SCHEDULES_HINT } from './layout';

const KEY = 'schedules/labels.json';

interface LabelSchedulesDoc extends Versioned {
  schedules: LabelSchedule[];
}

export class LabelSchedules {
  constructor(
    private readonly store: ObjectStore,
    private readonly putHint: (atMs: number, name: string) => Promise<string>,
  ) {}

  async list(): Promise<LabelSchedule[]> {
    return (await readDocument<LabelSchedulesDoc>(this.store, 'label_schedules', KEY))?.value.schedules ?? [];
  }

  /** `change` returns the new list, or `undefined` to write nothing; it may run again after a lost race. */
  async update(
    change: (schedules: LabelSchedule[]) => LabelSchedule[] | undefined,
  ): Promise<LabelSchedule[]> {
    let written: LabelSchedule[] | undefined;
    await updateDocument<LabelSchedulesDoc>(this.store, 'label_schedules', KEY, (current) => {
      written = change(current?.schedules ?? []);
      return written ? { schedules: written } : undefined;
    });
    return written ?? (await this.list());
  }

  /** Files the hint that brings the sweeper back to the label schedules at `atMs`. */
  fileHint(atMs: number): Promise<string> {
    return this.putHint(atMs, LABEL_SCHEDULES_HINT);
  }
}
