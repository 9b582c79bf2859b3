/**
 * AWS Lambda: the lifecycle function behind API Gateway (HTTP API, payload v2) — manager and readiness routes.
 *
 * @module
 */
import { handle } from 'hono/aws-lambda';
import { awsLifecycle, lambdaApp } from '../../src/platforms/aws/http';

export const handler = handle(lambdaApp(awsLifecycle(process.env)));
