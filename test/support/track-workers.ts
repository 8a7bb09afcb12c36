import { trackWorkers } from './running-workers';

trackWorkers();
