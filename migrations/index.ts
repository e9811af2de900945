import { Foundation1763870400000 } from './1763870400000-Foundation';
import { AlertSettings1763880000000 } from './1763880000000-AlertSettings';
import { SyncJobs1763890000000 } from './1763890000000-SyncJobs';
import { Incremental1763900000000 } from './1763900000000-Incremental';
import { RunRejects1763910000000 } from './1763910000000-RunRejects';
import { ConnectionLimits1763920000000 } from './1763920000000-ConnectionLimits';
import { JobNul1763930000000 } from './1763930000000-JobNul';
import { ChunkWarnings1763940000000 } from './1763940000000-ChunkWarnings';
import { TokenVersion1763953000000 } from './1763953000000-TokenVersion';
import { RunTableSnapshot1763960000000 } from './1763960000000-RunTableSnapshot';
import { RunLogDetail1763961000000 } from './1763961000000-RunLogDetail';
import { RunQueuedIndex1763970000000 } from './1763970000000-RunQueuedIndex';
import { RunStatusQueuedIndex1763971000000 } from './1763971000000-RunStatusQueuedIndex';
import { Diffs1763980000000 } from './1763980000000-Diffs';
import { JobVerify1763985000000 } from './1763985000000-JobVerify';
import { Repairs1763990000000 } from './1763990000000-Repairs';
import { ReplicaGroups1764000000000 } from './1764000000000-ReplicaGroups';
import { EventSources1764010000000 } from './1764010000000-EventSources';
import { Transforms1764020000000 } from './1764020000000-Transforms';
import { EventFullSync1764030000000 } from './1764030000000-EventFullSync';
import { EventInboxSettledIndexes1764041000000 } from './1764041000000-EventInboxSettledIndexes';
import { ChangeNotifications1764050000000 } from './1764050000000-ChangeNotifications';

/** Every migration, oldest first. A new one is added here as well as in its file. */
export const MIGRATIONS = [
  Foundation1763870400000, AlertSettings1763880000000, SyncJobs1763890000000, Incremental1763900000000, RunRejects1763910000000,
  ConnectionLimits1763920000000,
  JobNul1763930000000,
  ChunkWarnings1763940000000,
  TokenVersion1763953000000,
  RunTableSnapshot1763960000000,
  RunLogDetail1763961000000,
  RunQueuedIndex1763970000000,
  RunStatusQueuedIndex1763971000000,
  Diffs1763980000000,
  JobVerify1763985000000,
  Repairs1763990000000,
  ReplicaGroups1764000000000,
  EventSources1764010000000,
  Transforms1764020000000,
  EventFullSync1764030000000,
  EventInboxSettledIndexes1764041000000,
  ChangeNotifications1764050000000,
];
