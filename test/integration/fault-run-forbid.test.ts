import { faultRun } from '../helpers/fault-run';

// The fault run (see `test/helpers/fault-run.ts`) with mutes through forbid_send_msg, coalesced.
faultRun('forbid_send_msg');
