import { guardFaults } from './scenario.js';

guardFaults('redis');
