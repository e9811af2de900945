import { type DataPlane, IdentifierError, type RowBatch } from './data-plane';
import { RowCountMismatchError } from './errors';

type Classify = (error: unknown) => Error;

/** Our own refusals and aborts pass as they are; driver errors are sorted into the taxonomy. */
function sorted(error: unknown, classify: Classify): unknown {
  if (error instanceof IdentifierError || error instanceof RowCountMismatchError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  return classify(error);
}

async function guard<T>(work: () => Promise<T>, classify: Classify): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw sorted(error, classify);
  }
}

async function* guardStream(source: () => AsyncIterable<RowBatch>, classify: Classify): AsyncGenerator<RowBatch> {
  try {
    yield* source();
  } catch (error) {
    throw sorted(error, classify);
  }
}

/** The data plane with every driver error passed through the dialect's classifyError (and redaction). */
export function classifyDataPlane(plane: DataPlane, classify: Classify): DataPlane {
  const lookupType = plane.introspector.lookupType?.bind(plane.introspector);
  const describeExpressions = plane.introspector.describeExpressions?.bind(plane.introspector);
  return {
    ...(plane.orderedKeyKinds && { orderedKeyKinds: plane.orderedKeyKinds }),
    introspector: {
      listSchemas: () => guard(() => plane.introspector.listSchemas(), classify),
      describeTable: (table) => guard(() => plane.introspector.describeTable(table), classify),
      ...(lookupType && { lookupType: (typeText: string) => guard(() => lookupType(typeText), classify) }),
      ...(describeExpressions && { describeExpressions: (table, expressions) => guard(() => describeExpressions(table, expressions), classify) }),
    },
    reader: {
      read: (request) => guardStream(() => plane.reader.read(request), classify),
      keyBounds: (table, keys, where) => guard(() => plane.reader.keyBounds(table, keys, where), classify),
      splitRanges: (table, keys, parts, where) => guard(() => plane.reader.splitRanges(table, keys, parts, where), classify),
    },
    writer: {
      write: (request, batches) => guard(() => plane.writer.write(request, batches), classify),
      ...(plane.writer.nativeFormats && { nativeFormats: plane.writer.nativeFormats }),
    },
    checksummer: { checksum: (request) => guard(() => plane.checksummer.checksum(request), classify) },
    ddl: plane.ddl,
    execute: (statements) => guard(() => plane.execute(statements), classify),
  };
}
