/**
 * Alibaba Cloud FC 3.0 (built-in Node.js runtime): the sweeper, invoked every minute by its timer trigger.
 *
 * @module
 */
import { aliyunSweeper } from '../../src/platforms/aliyun/sweeper';
import { fcHandler } from '../../src/platforms/fc-http';

export const handler = fcHandler(aliyunSweeper(process.env));
