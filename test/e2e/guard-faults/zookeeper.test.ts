import { guardFaults } from './scenario.js';

guardFaults('zookeeper');
