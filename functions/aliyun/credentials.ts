/**
 * Alibaba Cloud FC 3.0 (built-in Node.js runtime): the credentials function — `POST /credentials/sts` only.
 *
 * @module
 */
import { aliyunCredentials } from '../../src/config/aliyun-root';
import { fcHandler } from '../../src/config/fc-http';

export const handler = fcHandler(aliyunCredentials(process.env));
