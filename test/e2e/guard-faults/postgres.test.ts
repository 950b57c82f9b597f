import { guardFaults } from './scenario.js';

guardFaults('postgres');
