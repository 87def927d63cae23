import { createMemoryDocumentStore } from '../../../src/cache/stores/memory-store.js';
import { documentStoreSuite } from '../../conformance/document-store.suite.js';

documentStoreSuite('memory', () => {
  const store = createMemoryDocumentStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});
