/**
 * AWS Lambda: the sweeper, invoked every minute by an EventBridge schedule.
 *
 * @module
 */
import { awsSweeper, scheduledHandler } from '../../src/platforms/aws/sweeper';

export const handler = scheduledHandler(awsSweeper(process.env));
