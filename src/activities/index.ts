export { createActivities } from './create-activities';
export type { ActivityDeps, HoldActivityInput, ReservationActivities } from './create-activities';
export { createWaitingRoomActivities } from './create-waiting-room-activities';
export type { WaitingRoomActivities } from './create-waiting-room-activities';
