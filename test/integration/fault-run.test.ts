import { faultRun } from '../helpers/fault-run';

// The fault run (see `test/helpers/fault-run.ts`) with mutes through modify_group_member_info, the default.
faultRun('modify_group_member_info');
