/**
 * Named types for the shapes scripts use most, read off the generated `paths` (the document declares its schemas
 * inline, so openapi-typescript has no `components` to name them by).
 *
 * @module
 */
import type { paths } from './schema';

/** The JSON body of one response object. */
type Json<Response> = Response extends { content: { 'application/json': infer Body } } ? Body : never;

export type Worker = Json<paths['/workers/{name}']['get']['responses'][200]>;
export type WorkerList = Json<paths['/workers']['get']['responses'][200]>;
export type WorkerEvent = Json<paths['/workers/{name}/events']['get']['responses'][200]>['events'][number];
export type WorkerLogs = Json<paths['/workers/{name}/logs']['get']['responses'][200]>;
export type CreateWorkerInput = NonNullable<
  paths['/workers']['post']['requestBody']
>['content']['application/json'];
export type UpdateWorkerInput = NonNullable<
  paths['/workers/{name}']['patch']['requestBody']
>['content']['application/json'];
export type ListWorkersQuery = NonNullable<paths['/workers']['get']['parameters']['query']>;
export type Team = Json<paths['/teams/{team}']['get']['responses'][200]>;
export type TeamKey = Json<paths['/teams/{team}/keys']['post']['responses'][201]>;
export type TeamSettings = NonNullable<
  paths['/teams/{team}']['patch']['requestBody']
>['content']['application/json'];
export type Health = Json<paths['/healthz']['get']['responses'][200]>;
export type SweepReport = Json<paths['/sweep']['post']['responses'][200]>;
/** Every error answer: `{ message, code }`, plus `field` for bad input. */
export type ApiErrorBody = Json<paths['/workers']['post']['responses'][409]>;
