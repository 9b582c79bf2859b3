/**
 * Named types for the shapes scripts use most: the document's named components, as openapi-typescript generated
 * them, plus the list query, which is a set of parameters rather than a schema.
 *
 * @module
 */
import type { components, paths } from './schema';

type Schemas = components['schemas'];

export type Worker = Schemas['Worker'];
export type WorkerList = Schemas['WorkerList'];
export type WorkerEvent = Schemas['WorkerEvent'];
export type WorkerLogs = Schemas['WorkerLogs'];
export type CreateWorkerInput = Schemas['CreateWorkerInput'];
export type UpdateWorkerInput = Schemas['UpdateWorkerInput'];
export type ListWorkersQuery = NonNullable<paths['/workers']['get']['parameters']['query']>;
export type Team = Schemas['Team'];
export type TeamKey = Schemas['TeamKey'];
export type TeamSettings = Schemas['UpdateTeamInput'];
export type Health = Schemas['Health'];
export type SweepReport = Schemas['SweepReport'];
export type Schedule = Schemas['Schedule'];
export type LabelSchedule = Schemas['LabelSchedule'];
export type LabelScheduleInput = Schemas['LabelScheduleInput'];
/** Every error answer: `{ message, code }`, plus `field` for bad input. */
export type ApiErrorBody = Schemas['Error'];
