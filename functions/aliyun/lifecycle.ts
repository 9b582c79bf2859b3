/**
 * Alibaba Cloud FC 3.0 (built-in Node.js runtime): the lifecycle function behind its HTTP trigger.
 *
 * @module
 */
import { aliyunLifecycle } from '../../src/config/aliyun-root';
import { fcHandler } from '../../src/config/fc-http';

export const handler = fcHandler(aliyunLifecycle(process.env));
