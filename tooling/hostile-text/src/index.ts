export { fenceLine, flood, hostileText, interestingLength, longRun, timed } from './hostile-text.js';
