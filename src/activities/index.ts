export { createActivities } from './create-activities';
export type { ActivityDeps, HoldActivityInput, ReservationActivities } from './create-activities';
