import { MemoryStore } from '../../src/store/memory';
import { runStoreConformance } from '../conformance/store.case';

runStoreConformance('MemoryStore', () => new MemoryStore());
