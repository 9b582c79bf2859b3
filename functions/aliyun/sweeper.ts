/**
 * Alibaba Cloud FC 3.0 (built-in Node.js runtime): the sweeper, invoked every minute by its timer trigger.
 *
 * @module
 */
import { aliyunSweeper } from '../../src/config/aliyun-root';
import { fcHandler } from '../../src/config/fc-http';

export const handler = fcHandler(aliyunSweeper(process.env));
