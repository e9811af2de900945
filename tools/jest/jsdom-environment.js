// jsdom as the console's component tests need it: jsdom has no fetch, Request, Response,
// Headers, TextEncoder or streams, which react-router and the API client use; these are Node's own.
const { TestEnvironment } = require('jest-environment-jsdom');

const FROM_NODE = ['fetch', 'Request', 'Response', 'Headers', 'FormData', 'TextEncoder', 'TextDecoder', 'TextDecoderStream', 'ReadableStream', 'WritableStream', 'TransformStream', 'structuredClone'];

class ConsoleTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of FROM_NODE) if (this.global[name] === undefined) this.global[name] = globalThis[name];
  }
}

module.exports = ConsoleTestEnvironment;
