/**
 * Schedules as pure functions: which patterns and time zones are refused (and what the refusal names), and the
 * times a schedule asks for, read in its zone across a daylight-saving change.
 */
import { describe, expect, it } from 'vitest';
import { latestScheduled, nextScheduled, scheduleProblem } from '../../../src/lifecycle/model/schedule';

const at = (text: string) => Date.parse(text);
const BERLIN_DAYS = { wake: '0 9 * * *', sleep: '0 19 * * *', time_zone: 'Europe/Berlin' };

describe('schedule validation', () => {
  it('accepts a weekday window in a named zone', () => {
    expect(scheduleProblem({ wake: '0 9 * * 1-5', sleep: '0 19 * * 1-5', time_zone: 'Europe/Berlin' })).toBe(
      undefined,
    );
  });

  it('names the wake field for a day of week out of range', () => {
    expect(scheduleProblem({ wake: '0 9 * * 1-8', time_zone: 'UTC' })).toMatchObject({
      field: 'wake',
      message: expect.stringContaining('not a valid cron pattern'),
    });
  });

  it('names the sleep field for a pattern with a seconds field (six fields)', () => {
    expect(scheduleProblem({ sleep: '0 0 19 * * *', time_zone: 'UTC' })).toMatchObject({
      field: 'sleep',
      message: expect.stringContaining('five fields'),
    });
  });

  it('names the sleep field for words that are no pattern at all', () => {
    expect(scheduleProblem({ sleep: 'at seven pm', time_zone: 'UTC' })?.field).toBe('sleep');
  });

  it('names time_zone for a zone the runtime does not know', () => {
    expect(scheduleProblem({ wake: '0 9 * * *', time_zone: 'Mars/Olympus' })).toEqual({
      field: 'time_zone',
      message: 'unknown time zone "Mars/Olympus"',
    });
  });

  it('refuses a schedule with neither wake nor sleep', () => {
    expect(scheduleProblem({ time_zone: 'UTC' })?.message).toBe(
      'a schedule needs at least one of wake and sleep',
    );
  });

  it('refuses a pattern that can never match (30 February)', () => {
    expect(scheduleProblem({ wake: '0 9 30 2 *', time_zone: 'UTC' })?.field).toBe('wake');
  });
});

describe('schedule times', () => {
  it('reads the patterns in the zone: 9:00 in Berlin is 08:00 UTC in winter and 07:00 UTC from the last Sunday of March', () => {
    // 2026-03-29 is the last Sunday of March: Berlin moves from UTC+1 to UTC+2 at 02:00 local time.
    expect(nextScheduled(BERLIN_DAYS, at('2026-03-28T06:00:00Z'))).toEqual({
      kind: 'wake',
      at: at('2026-03-28T08:00:00Z'),
    });
    expect(nextScheduled(BERLIN_DAYS, at('2026-03-28T08:00:00Z'))).toEqual({
      kind: 'sleep',
      at: at('2026-03-28T18:00:00Z'),
    });
    expect(nextScheduled(BERLIN_DAYS, at('2026-03-28T18:00:00Z'))).toEqual({
      kind: 'wake',
      at: at('2026-03-29T07:00:00Z'),
    });
    expect(nextScheduled(BERLIN_DAYS, at('2026-03-29T07:00:00Z'))).toEqual({
      kind: 'sleep',
      at: at('2026-03-29T17:00:00Z'),
    });
  });

  it('gives the latest occurrence since a point, counting one falling exactly now, and none when nothing fell', () => {
    const from = at('2026-03-26T12:00:00Z');
    // Three days missed: the latest of them is the sleep of 2026-03-28 (19:00 Berlin, UTC+1).
    expect(latestScheduled(BERLIN_DAYS, from, at('2026-03-29T06:00:00Z'))).toEqual({
      kind: 'sleep',
      at: at('2026-03-28T18:00:00Z'),
    });
    expect(latestScheduled(BERLIN_DAYS, from, at('2026-03-26T18:00:00Z'))).toEqual({
      kind: 'sleep',
      at: at('2026-03-26T18:00:00Z'),
    });
    expect(latestScheduled(BERLIN_DAYS, from, at('2026-03-26T17:59:59Z'))).toBe(undefined);
  });

  it('lets the sleep win when wake and sleep fall on the same minute', () => {
    const same = { wake: '0 12 * * *', sleep: '0 12 * * *', time_zone: 'UTC' };
    expect(nextScheduled(same, at('2026-01-01T00:00:00Z'))?.kind).toBe('sleep');
    expect(latestScheduled(same, at('2026-01-01T00:00:00Z'), at('2026-01-01T13:00:00Z'))?.kind).toBe('sleep');
  });
});
