import { guardFaults } from './scenario.js';

guardFaults('file');
