export { fenceLine, hostileText, interestingLength, longRun, timed } from './hostile-text.js';
