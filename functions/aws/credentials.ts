/**
 * AWS Lambda: the credentials function behind API Gateway (HTTP API, payload v2) — `POST /credentials/sts` only.
 *
 * @module
 */
import { handle } from 'hono/aws-lambda';
import { awsCredentials, lambdaApp } from '../../src/platforms/aws/credentials';

export const handler = handle(lambdaApp(awsCredentials(process.env)));
