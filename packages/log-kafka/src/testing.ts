/** Test brokers: librdkafka's mock cluster through Debian's kcat, plain or restartable at stable addresses. */
export { startMockKafka, kcatAvailable, MockKafkaError, type MockKafka, type MockKafkaOptions } from './mock-kafka.js';
export { startRestartableMockKafka, type RestartableMockKafka } from './restartable-mock.js';
