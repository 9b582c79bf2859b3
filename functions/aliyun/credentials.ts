/**
 * Alibaba Cloud FC 3.0 (built-in Node.js runtime): the credentials function — `POST /credentials/sts` only.
 *
 * @module
 */
import { aliyunCredentials } from '../../src/platforms/aliyun/credentials';
import { fcHandler } from '../../src/platforms/fc-http';

export const handler = fcHandler(aliyunCredentials(process.env));
