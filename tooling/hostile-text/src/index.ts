export { fenceLine, hostileText, timed } from './hostile-text.js';
