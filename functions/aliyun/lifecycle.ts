/**
 * Alibaba Cloud FC 3.0 (built-in Node.js runtime): the lifecycle function behind its HTTP trigger.
 *
 * @module
 */
import { aliyunLifecycle } from '../../src/platforms/aliyun/http';
import { fcHandler } from '../../src/platforms/fc-http';

export const handler = fcHandler(aliyunLifecycle(process.env));
