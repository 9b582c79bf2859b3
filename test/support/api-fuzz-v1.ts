/**
 * Generated `/api/v1` bodies for the API fuzz: HiClaw's worker fields, both as a client would send them (so requests
 * get past validation into the lifecycle: creates, PUT merges, declared states, unmanaged workers) and wild (wrong
 * types, out-of-range ports, reserved team fields, the older contract's dropped fields, oversized documents).
 */
import fc from 'fast-check';

const short = fc.string({ maxLength: 40 });
const anything = fc.jsonValue({ maxDepth: 2 });
/** One agent document over its 16 KiB cap; three of them also pass the 48 KiB profile cap. */
const hugeDoc = fc.constant('x'.repeat(16 * 1024 + 1));

const validFields = {
  name: fc.constantFrom('carol', 'bob', 'remote', 'alice', 'dave'),
  model: short,
  runtime: fc.constantFrom('openclaw', 'copaw', 'hermes'),
  image: fc.constantFrom('orchestrator-test-worker:latest', 'registry.example/agent:1'),
  state: fc.constantFrom('Running', 'Sleeping', 'Stopped'),
  containerManaged: fc.boolean(),
  soul: fc.string({ maxLength: 200 }),
  skills: fc.array(short, { maxLength: 4 }),
  mcpServers: fc.array(fc.record({ name: short, url: short }), { maxLength: 2 }),
  expose: fc.array(fc.record({ port: fc.integer({ min: 1, max: 65_535 }) }), { maxLength: 2 }),
  channelPolicy: fc.record({ dmAllowExtra: fc.array(short, { maxLength: 3 }) }, { requiredKeys: [] }),
};

const wildFields = {
  name: fc.oneof(fc.string({ maxLength: 70 }), fc.integer(), fc.constant(null)),
  model: fc.oneof(short, fc.integer(), fc.constant(null)),
  runtime: fc.oneof(fc.constantFrom('java', 'OpenClaw', ''), anything),
  image: fc.oneof(fc.constantFrom('', '../x', 'UPPER/case', 'a b'), anything),
  state: fc.oneof(fc.constantFrom('running', 'Ready', 'Deleted', ''), anything),
  containerManaged: fc.oneof(fc.constantFrom('false', 0, 1), anything),
  identity: fc.oneof(hugeDoc, anything),
  soul: fc.oneof(hugeDoc, anything),
  agents: fc.oneof(hugeDoc, anything),
  skills: fc.oneof(fc.array(anything, { maxLength: 3 }), fc.constant(Array(300).fill('s')), anything),
  mcpServers: fc.oneof(
    fc.array(fc.dictionary(fc.constantFrom('name', 'url', 'transport', 'x'), anything), { maxLength: 2 }),
    anything,
  ),
  expose: fc.oneof(
    fc.array(
      fc.record(
        { port: fc.oneof(fc.integer(), fc.double(), fc.constant('8080')), protocol: anything },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
    anything,
  ),
  channelPolicy: fc.oneof(
    fc.dictionary(fc.constantFrom('groupAllowExtra', 'dmDenyExtra', 'y'), anything),
    anything,
  ),
  package: anything,
  workerName: anything,
  // HiClaw's reserved team fields (a 400) and the older contract's fields it drops (ignored).
  team: anything,
  role: anything,
  teamLeader: anything,
  env: anything,
  network: anything,
  backend: anything,
};

/** A v1 worker body, serialised: half the time only valid fields, half the time anything goes. */
export const v1WorkerBody = fc
  .oneof(fc.record(validFields, { requiredKeys: [] }), fc.record(wildFields, { requiredKeys: [] }))
  .map((v) => JSON.stringify(v));
