import { guardFaults } from './scenario.js';

guardFaults('etcd');
