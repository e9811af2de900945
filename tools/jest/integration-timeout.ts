// Integration and e2e hooks start real APIs, workers and databases: on a busy 2-core CI
// machine that takes longer than jest's 5 s default. Tests that need more still say so.
jest.setTimeout(60_000);
