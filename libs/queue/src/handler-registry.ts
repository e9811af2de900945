import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { JOB_QUEUE, JobName, QueueName } from '@dbferry/queue-contracts';
import { JOB_HANDLER, JobHandlerOf } from './job-handler';

/** Refuses an incomplete or ambiguous set of handlers: better at boot than at 3 a.m. */
export function buildHandlerMap(
  found: { name: JobName; handler: JobHandlerOf<JobName>; provider: string }[],
  jobNames: readonly JobName[] = Object.values(JobName),
): Map<JobName, JobHandlerOf<JobName>> {
  const problems: string[] = [];
  const map = new Map<JobName, JobHandlerOf<JobName>>();
  for (const name of jobNames) {
    const owners = found.filter((f) => f.name === name);
    if (owners.length === 0) problems.push(`job "${name}" has no handler`);
    if (owners.length > 1) problems.push(`job "${name}" has ${owners.length} handlers: ${owners.map((o) => o.provider).join(', ')}`);
    if (owners.length === 1) map.set(name, owners[0].handler);
  }
  for (const f of found) if (!jobNames.includes(f.name)) problems.push(`${f.provider} handles unknown job "${f.name}"`);
  if (problems.length) throw new Error(`Job handler registry refused to start:\n  - ${problems.join('\n  - ')}`);
  return map;
}

@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private handlers = new Map<JobName, JobHandlerOf<JobName>>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const found = this.discovery
      .getProviders()
      .filter((wrapper) => wrapper.metatype && wrapper.instance)
      .map((wrapper) => ({
        name: this.reflector.get<JobName | undefined>(JOB_HANDLER, wrapper.metatype as object as never),
        handler: wrapper.instance as JobHandlerOf<JobName>,
        provider: wrapper.name,
      }))
      .filter((f): f is { name: JobName; handler: JobHandlerOf<JobName>; provider: string } => !!f.name);
    this.handlers = buildHandlerMap(found);
  }

  handlerFor(name: string): JobHandlerOf<JobName> | undefined {
    return this.handlers.get(name as JobName);
  }

  /** The job names a queue must be able to run. */
  jobsOf(queue: QueueName): JobName[] {
    return Object.values(JobName).filter((name) => JOB_QUEUE[name] === queue);
  }
}
