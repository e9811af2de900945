import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
import { Queue } from 'bullmq';

/**
 * Bull Board's express router for the given queues, mounted by the API behind its admin guard.
 * `links` appear in the board's header (the API adds its sign-out).
 */
export function bullBoardRouter(queues: Queue[], basePath: string, links: { text: string; url: string }[] = []): RequestHandler {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'dbferry queues', miscLinks: links } },
  });
  return adapter.getRouter() as RequestHandler;
}
